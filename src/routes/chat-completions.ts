import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayContext } from '../context.js';
import type { RequestRecord } from '../chat/record.js';
import { validateChatRequest } from '../chat/validate.js';
import { pipeStream, readCompletion, type ForwardOptions } from '../chat/forward.js';
import { SseWriter } from '../chat/stream-writer.js';
import { cacheKeysFor, cacheScope, planCache, resolveFromCache, resolveHeldAnswer, sendCachedAnswer } from '../chat/cache-flow.js';
import { PreparedChatMemo, type PreparedChat } from '../chat/prepared.js';
import type { ChatRequest } from '../chat/schema.js';
import type { ChatCompletion } from '../chat/types.js';
import type { Leader } from '../cache/single-flight.js';
import type { SharedAnswer } from '../cache/result-cache.js';
import { decideRoute, type RouteDecision } from '../routing/decide.js';
import { adaptRequest } from '../upstream/adapt.js';
import type { UpstreamClient } from '../upstream/client.js';
import { resilientChat, countsAgainstBreaker, type ServedCall } from '../upstream/resilient.js';
import { GatewayError, toOpenAIError } from '../errors.js';
import { promptText } from '../chat/prompt-text.js';
import { fillEstimatedUsage } from '../savings/estimate.js';

/**
 * `POST /v1/chat/completions`: validate → decide → cache (hit, or lead/join a single-flight group) → resilient
 * upstream call (retries, breaker, fallback) → JSON or SSE → store, settle followers, observe. Each step lives in
 * its own module; this file only composes them and keeps the request's record.
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** This exact request (same tenant, route header and bytes) prepared earlier at the current threshold. */
    preparedChat: PreparedChat | null;
    /** The request's key in the prepared-request memo; null when the memo is not consulted. */
    chatMemoKey: { key: string; bodyLength: number } | null;
  }
}

/**
 * Parses chat bodies as the default JSON parser does (same poisoning rules), but first looks the exact bytes up in
 * the prepared-request memo: a repeat skips parsing too, and the route skips validation, the gate and key hashing.
 * Requests that can never use the cache (`no-store`, or not deterministic in `deterministic` mode) are not
 * looked up at all: building the key copies the body (and hashes a long one).
 */
function rememberPreparedRequests(app: FastifyInstance, ctx: GatewayContext, memo: PreparedChatMemo): void {
  app.decorateRequest('preparedChat', null);
  app.decorateRequest('chatMemoKey', null);
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, raw, done) => {
    const text = raw as string;
    if (!ctx.cache.mayCache(text, request.headers['cache-control'])) {
      parseJson(request, text, done);
      return;
    }
    const routeHeader = request.headers['x-thinkgate-route'];
    const key = PreparedChatMemo.keyOf({ scope: cacheScope(ctx.config, request.tenant), routeHeader: typeof routeHeader === 'string' ? routeHeader : '' }, text);
    request.chatMemoKey = { key, bodyLength: text.length };
    const prepared = memo.get(key, ctx.controller.effectiveThreshold());
    if (prepared === undefined) {
      parseJson(request, text, done);
      return;
    }
    request.preparedChat = prepared;
    done(null, prepared.chat);
  });
}

function decisionHeaders(reply: FastifyReply, decision: RouteDecision, model: string): void {
  reply.header('x-thinkgate-route', decision.route);
  reply.header('x-thinkgate-score', decision.score.toFixed(4));
  reply.header('x-thinkgate-cache', 'bypass');
  reply.header('x-thinkgate-upstream-model', model);
}

interface UpstreamSignal {
  signal: AbortSignal;
  clientGone: () => boolean;
  timedOut: () => boolean;
}

/**
 * Aborts the upstream call when the client goes away (unfinished thinking is wasted compute) or the upstream's
 * total time runs out. Created only when a request goes upstream: a cache hit never needs it.
 */
function upstreamSignal(request: FastifyRequest, reply: FastifyReply, totalMs: number): UpstreamSignal {
  const controller = new AbortController();
  let gone = false;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new GatewayError(504, `upstream did not finish within ${totalMs} ms`, { code: 'upstream_timeout' }));
  }, totalMs);
  timer.unref();
  reply.raw.once('close', () => {
    clearTimeout(timer);
    if (!reply.raw.writableFinished) {
      gone = true;
      controller.abort();
    }
  });
  if (reply.raw.destroyed || request.raw.socket?.destroyed === true) {
    gone = true;
    controller.abort();
  }
  return { signal: controller.signal, clientGone: () => gone, timedOut: () => timedOut };
}

function newRecord(request: FastifyRequest, chat: ChatRequest, decision: RouteDecision, client: UpstreamClient, logPrompts: boolean): RequestRecord {
  const record: RequestRecord = {
    requestId: request.id,
    tenant: request.tenant,
    route: decision.route,
    decisionSource: decision.source,
    score: decision.score,
    reasons: decision.reasons,
    upstreamModel: client.model,
    fallback: false,
    requestedModel: chat.model,
    stream: chat.stream === true,
    cache: 'bypass',
    status: 200,
    outcome: 'completed',
    errorCode: null,
    usage: null,
    // Optional fields present from the start (perf): records of hits, misses and streams share one object shape.
    cacheTier: undefined,
    usageEstimated: undefined,
    prompt: logPrompts ? promptText(chat.messages) : undefined,
    startedAt: Date.now(),
    ttfbMs: null,
    latencyMs: 0,
  };
  return record;
}

function markFallback(reply: FastifyReply, record: RequestRecord, served: ServedCall): void {
  record.fallback = true;
  record.route = served.client.tier;
  record.upstreamModel = served.client.model;
  reply.header('x-thinkgate-fallback', 'true');
  reply.header('x-thinkgate-route', served.client.tier);
  reply.header('x-thinkgate-upstream-model', served.client.model);
}

export const chatCompletionsRoute: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const { config, gate, upstreams, observers } = ctx;
  const memo = ctx.cache.memo;
  if (memo !== null) rememberPreparedRequests(app, ctx, memo);

  app.post('/v1/chat/completions', async (request, reply) => {
    const startedAt = performance.now();
    const headerRoute = request.headers['x-thinkgate-route'];
    const remembered = request.preparedChat ?? undefined;
    const chat = remembered?.chat ?? validateChatRequest(request.body);
    const threshold = remembered?.threshold ?? ctx.controller.effectiveThreshold();
    const decision = remembered?.decision ?? decideRoute(chat, typeof headerRoute === 'string' ? headerRoute : undefined, config.routing, gate, ctx.tiers);
    // The target-share controller learns the score distribution of the traffic the gate decides.
    // The controller tracks the need (the threshold's own scale), not the difficulty-folded score.
    if (decision.source === 'gate') ctx.controller.observeScore(decision.need ?? decision.score);
    const stream = chat.stream === true;
    const includeUsage = chat.stream_options?.include_usage === true;
    const bodyFor = (c: UpstreamClient): Record<string, unknown> =>
      adaptRequest(chat, c.config, { history: c.config.reasoningHistory ?? config.reasoning.history, effort: decision.effort, stream });
    let client = upstreams[decision.route];
    decisionHeaders(reply, decision, client.model);
    const record = newRecord(request, chat, decision, client, config.log.prompts);

    let upstream: UpstreamSignal | undefined;
    const clientGone = (): boolean => upstream?.clientGone() ?? request.raw.socket?.destroyed === true;
    const cachePlan = planCache(
      ctx.cache,
      chat,
      request.headers['cache-control'],
      () => remembered?.cacheKeys ?? cacheKeysFor(config, upstreams.reasoning.config, chat, decision, bodyFor(client), cacheScope(config, request.tenant)),
    );
    if (memo !== null && cachePlan !== null && remembered === undefined && request.chatMemoKey !== null) {
      memo.set(request.chatMemoKey.key, { chat, decision, threshold, cacheKeys: { key: cachePlan.key, lookupKeys: cachePlan.lookupKeys } }, request.chatMemoKey.bodyLength);
    }
    let leader: Leader<SharedAnswer> | null = null;
    /** The complete answer, once there is one: stored and handed to single-flight followers. */
    let answer: ChatCompletion | undefined;
    /** What the upstream produced (maybe partial): tokens are counted from it when the upstream reported no usage. */
    let produced: ChatCompletion | undefined;

    try {
      const cached = resolveHeldAnswer(ctx.cache, cachePlan) ?? (await resolveFromCache(ctx.cache, cachePlan, clientGone));
      if (cached.kind === 'gone') {
        record.outcome = 'aborted';
        record.status = 499;
        return reply;
      }
      if (cached.kind === 'served') {
        record.cache = 'hit';
        record.cacheTier = cached.answer.tier;
        record.usage = sendCachedAnswer(reply, cached.answer, { stream, includeUsage, output: config.reasoning.output });
        record.ttfbMs = performance.now() - startedAt;
        return reply;
      }
      leader = cached.leader;
      record.cache = cached.status;
      reply.header('x-thinkgate-cache', cached.status);

      upstream = upstreamSignal(request, reply, client.config.timeouts.totalMs);
      const { signal } = upstream;
      const served = await resilientChat({ route: decision.route, upstreams, fallback: config.fallback, signal, bodyFor });
      client = served.client;
      if (served.fallback) markFallback(reply, record, served);
      const forward: ForwardOptions = { client, body: served.body, output: config.reasoning.output, signal };

      if (!stream) {
        const completion = await readCompletion(served.res, forward);
        record.usage = completion.usage ?? null;
        record.ttfbMs = performance.now() - startedAt;
        produced = completion;
        answer = completion;
        return completion;
      }

      reply.hijack();
      const writer = new SseWriter(reply.raw);
      const result = await pipeStream(served.res, { ...forward, includeUsage }, {
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
      produced = result.completion;
      if (result.error !== null) {
        if (countsAgainstBreaker(result.error)) client.breaker.onFailure();
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
      const mapped = upstream?.timedOut() === true && !aborted
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
      // Store first, so a request arriving after the group settles finds the entry. A fallback answer came from
      // the other tier: it is handed to waiting followers but never stored under this tier's key.
      if (answer !== undefined && !record.fallback && cachePlan?.policy.write === true) void ctx.cache.save(cachePlan.key, decision.route, answer);
      leader?.settle(answer === undefined ? undefined : { tier: client.tier, completion: answer });
      record.latencyMs = performance.now() - startedAt;
      const observe = (): void => {
        for (const observer of observers) observer(record);
      };
      // Counting tokens (the tokenizer loads on first need) happens after the answer went out, never before it.
      if (record.usage === null && produced !== undefined) void fillEstimatedUsage(record, chat.messages, produced).then(observe);
      else observe();
    }
  });
};
