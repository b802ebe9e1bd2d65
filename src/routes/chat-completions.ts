import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { GatewayContext } from '../context.js';
import type { RequestRecord } from '../chat/record.js';
import { validateChatRequest } from '../chat/validate.js';
import { fetchCompletion, pipeStream, type ForwardOptions } from '../chat/forward.js';
import { SseWriter } from '../chat/stream-writer.js';
import { decideRoute, type RouteDecision } from '../routing/decide.js';
import { adaptRequest } from '../upstream/adapt.js';
import { GatewayError, toOpenAIError } from '../errors.js';
import { promptText } from '../chat/prompt-text.js';
import { planCache, resolveFromCache, sendCachedAnswer } from '../chat/cache-flow.js';
import type { Leader } from '../cache/single-flight.js';
import type { SharedAnswer } from '../cache/result-cache.js';
import type { ChatCompletion } from '../chat/types.js';
import { fillEstimatedUsage } from '../savings/estimate.js';

function decisionHeaders(reply: FastifyReply, decision: RouteDecision, model: string): void {
  reply.header('x-thinkgate-route', decision.route);
  reply.header('x-thinkgate-score', decision.score.toFixed(4));
  reply.header('x-thinkgate-cache', 'bypass');
  reply.header('x-thinkgate-upstream-model', model);
}

/**
 * Aborts the upstream call when the client goes away (unfinished thinking is wasted compute) or the
 * upstream's total time runs out.
 */
function requestSignal(reply: FastifyReply, totalMs: number): { signal: AbortSignal; clientGone: () => boolean } {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  // Created lazily (after the cache lookup): the client may already be gone.
  if (reply.raw.destroyed || reply.request.raw.socket?.destroyed === true) controller.abort();
  return { signal: AbortSignal.any([controller.signal, AbortSignal.timeout(totalMs)]), clientGone: () => controller.signal.aborted };
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
    // Created on first use: a cache hit never goes upstream, and AbortSignal.any + a timer was the costliest step of a hit.
    let upstreamSignal: ReturnType<typeof requestSignal> | undefined;
    const clientGone = (): boolean => upstreamSignal?.clientGone() ?? request.raw.socket?.destroyed === true;

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

    // --- cache (issue 4): lookup, single-flight, hit replay; the answer is stored in `finally` ---
    const cachePlan = planCache(ctx.cache, config, upstreams.reasoning.config, chat, decision, body, request.tenant, request.headers['cache-control']);
    let leader: Leader<SharedAnswer> | null = null;
    let answer: ChatCompletion | undefined;
    // --- end cache ---

    try {
      // --- cache (issue 4) ---
      const cached = await resolveFromCache(ctx.cache, cachePlan, clientGone);
      if (cached.kind === 'gone') {
        record.outcome = 'aborted';
        record.status = 499;
        return reply;
      }
      if (cached.kind === 'served') {
        record.cache = 'hit';
        record.cacheTier = cached.answer.tier;
        record.usage = sendCachedAnswer(reply, cached.answer, {
          stream,
          includeUsage: chat.stream_options?.include_usage === true,
          output: config.reasoning.output,
        });
        record.ttfbMs = performance.now() - startedAt;
        return reply;
      }
      leader = cached.leader;
      record.cache = cached.status;
      reply.header('x-thinkgate-cache', cached.status);
      // --- end cache ---
      upstreamSignal = requestSignal(reply, client.config.timeouts.totalMs);
      const { signal } = upstreamSignal;
      const forward: ForwardOptions = { client, body, output: config.reasoning.output, signal };
      if (!stream) {
        const completion = await fetchCompletion(forward);
        record.usage = completion.usage ?? null;
        record.ttfbMs = performance.now() - startedAt;
        await fillEstimatedUsage(record, chat.messages, completion); // savings: no-op when the upstream reported usage
        answer = completion;
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
      await fillEstimatedUsage(record, chat.messages, result.completion); // savings: streams without usage, cut streams
      if (result.error !== null) {
        record.outcome = 'error';
        record.errorCode = result.error.code;
        record.status = result.error.status;
      } else if (result.complete) {
        answer = result.completion;
      }
      return reply;
    } catch (err) {
      const aborted = clientGone();
      record.outcome = aborted ? 'aborted' : 'error';
      const mapped = upstreamSignal?.signal.aborted === true && !aborted
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
      // --- cache (issue 4): store first, so a request arriving after the group settles finds the entry ---
      if (answer !== undefined && cachePlan?.policy.write === true) void ctx.cache.save(cachePlan.key, decision.route, answer);
      leader?.settle(answer === undefined ? undefined : { tier: decision.route, completion: answer });
      // --- end cache ---
      finish();
    }
  });
};
