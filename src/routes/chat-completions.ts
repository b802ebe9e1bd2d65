import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { GatewayContext } from '../context.js';
import type { RequestRecord } from '../chat/record.js';
import { validateChatRequest } from '../chat/validate.js';
import { fetchCompletion, pipeStream, requestAbort, type ForwardOptions } from '../chat/forward.js';
import { SseWriter } from '../chat/stream-writer.js';
import { decideRoute, type RouteDecision } from '../routing/decide.js';
import { adaptRequest } from '../upstream/adapt.js';
import { GatewayError, toOpenAIError } from '../errors.js';
import { promptText } from '../chat/prompt-text.js';

function decisionHeaders(reply: FastifyReply, decision: RouteDecision, model: string): void {
  reply.header('x-thinkgate-route', decision.route);
  reply.header('x-thinkgate-score', decision.score.toFixed(4));
  reply.header('x-thinkgate-cache', 'bypass');
  reply.header('x-thinkgate-upstream-model', model);
}

export const chatCompletionsRoute: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const { config, gate, upstreams, observers } = ctx;

  app.post('/v1/chat/completions', async (request, reply) => {
    const startedAt = performance.now();
    const chat = validateChatRequest(request.body);
    const headerRoute = request.headers['x-thinkgate-route'];
    const decision = decideRoute(chat, typeof headerRoute === 'string' ? headerRoute : undefined, config.routing, gate);
    const client = upstreams[decision.route];
    const stream = chat.stream === true;
    const body = adaptRequest(chat, client.config, {
      history: client.config.reasoningHistory ?? config.reasoning.history,
      effort: decision.effort,
      stream,
    });
    decisionHeaders(reply, decision, client.model);
    const { signal, clientGone, dispose } = requestAbort(reply.raw, client.config.timeouts.totalMs);
    const forward: ForwardOptions = { client, body, output: config.reasoning.output, signal };

    const record: RequestRecord = {
      requestId: request.id,
      tenant: request.tenant,
      route: decision.route,
      decisionSource: decision.source,
      score: decision.score,
      reasons: decision.reasons,
      upstreamModel: client.model,
      requestedModel: chat.model,
      stream,
      cache: 'bypass',
      status: 200,
      outcome: 'completed',
      errorCode: null,
      usage: null,
      startedAt: Date.now(),
      ttfbMs: null,
      latencyMs: 0,
    };
    if (config.log.prompts) record.prompt = promptText(chat.messages);
    const finish = (): void => {
      record.latencyMs = performance.now() - startedAt;
      for (const observe of observers) observe(record);
    };

    try {
      if (!stream) {
        const completion = await fetchCompletion(forward);
        record.usage = completion.usage ?? null;
        record.ttfbMs = performance.now() - startedAt;
        return completion;
      }
      const res = await client.chat(body, signal);
      reply.hijack();
      const writer = new SseWriter(reply.raw);
      const result = await pipeStream(res, { ...forward, includeUsage: chat.stream_options?.include_usage === true }, {
        start: () => {
          reply.raw.writeHead(200, {
            ...(reply.getHeaders() as Record<string, string>),
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-cache',
            'x-request-id': request.id,
          });
        },
        write: (text) => writer.write(text),
      });
      writer.end();
      record.usage = result.completion.usage ?? null;
      record.ttfbMs = writer.firstByteAt === null ? null : writer.firstByteAt - startedAt;
      if (result.error !== null) {
        record.outcome = 'error';
        record.errorCode = result.error.code;
        record.status = result.error.status;
      }
      return reply;
    } catch (err) {
      const aborted = clientGone();
      record.outcome = aborted ? 'aborted' : 'error';
      const mapped = signal.aborted && !aborted
        ? new GatewayError(504, `${client.tier} upstream did not finish within ${client.config.timeouts.totalMs} ms`, { code: 'upstream_timeout' })
        : err;
      const { status, body: errBody } = toOpenAIError(mapped);
      record.status = aborted ? 499 : status;
      record.errorCode = errBody.error.code;
      if (reply.sent || reply.raw.headersSent) {
        // Mid-stream: the status line is gone; the client gets a final error event and a clean end.
        if (!reply.raw.destroyed) reply.raw.end(`data: ${JSON.stringify(errBody)}\n\n`);
        return reply;
      }
      if (aborted) return reply;
      throw mapped;
    } finally {
      dispose();
      finish();
    }
  });
};
