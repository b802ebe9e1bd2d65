import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayContext } from '../context.js';
import type { RequestRecord } from '../core/record.js';
import type { ChatCompletion } from '../core/types.js';
import { promptText } from '../core/prompt-text.js';
import type { Leader } from '../cache/single-flight.js';
import type { SharedOutcome } from '../cache/result-cache.js';
import { decideRoute, type RouteDecision } from '../routing/decide.js';
import { sessionOpening, withSession } from '../routing/session.js';
import { adaptRequest } from '../upstream/adapt.js';
import type { UpstreamAbort } from '../upstream/abort.js';
import { canonicalToResponsesBody } from '../upstream/responses-body.js';
import type { UpstreamClient } from '../upstream/client.js';
import { resilientChat, countsAgainstBreaker, type ServedCall } from '../upstream/resilient.js';
import { GatewayError, toOpenAIError } from '../errors.js';
import { fillEstimatedUsage } from '../savings/estimate.js';
import type { AnswerMeta, Exchange, StreamEncoder } from './adapter.js';
import { cacheKeysFor, cacheScope, planCache, resolveFromCache, resolveWithoutWaiting, type CachedAnswer } from './cache-flow.js';
import { readUpstreamAnswer, readUpstreamStream } from './read.js';
import { StreamAborted } from './forward.js';
import type { PreparedRequest } from './prepared.js';
import { requestCacheFlags } from './prepared-parser.js';
import { SseWriter } from './stream-writer.js';

/**
 * The request path, written once for every wire API: decide → cache (hit, or lead/join a single-flight group) →
 * resilient upstream call (retries, breaker, fallback) → JSON or stream, encoded by the adapter's exchange → store,
 * settle followers, observe. Each step lives in its own module; this file composes them and keeps the record.
 */

function decisionHeaders(reply: FastifyReply, decision: RouteDecision, model: string): void {
  reply.header('x-thinkgate-route', decision.route);
  reply.header('x-thinkgate-score', decision.score.toFixed(4));
  if (decision.difficulty !== undefined) reply.header('x-thinkgate-difficulty', decision.difficulty.toFixed(4));
  reply.header('x-thinkgate-upstream-model', model);
}

/**
 * The upstream call's abort signal: aborted when the client goes away (unfinished thinking is wasted compute) or
 * the routed upstream's total time runs out (its deadline sweep). Created only when a request goes upstream: a
 * cache hit never needs it. One close listener per call; `on`, not `once` (which wraps it in another closure).
 */
function upstreamSignal(request: FastifyRequest, reply: FastifyReply, client: UpstreamClient): UpstreamAbort {
  const deadlines = client.deadlines;
  const call = deadlines.start();
  const raw = reply.raw;
  raw.on('close', () => {
    deadlines.release(call);
    if (!raw.writableFinished) call.clientClosed();
  });
  if (raw.destroyed || request.raw.socket?.destroyed === true) {
    call.clientClosed();
    // The client left while the stores were asked: its close event may have fired already, and then nothing
    // else releases the call (it stayed tracked until its deadline, upstreams.*.timeouts.totalMs).
    deadlines.release(call);
  }
  return call;
}

function newRecord(request: FastifyRequest, exchange: Exchange, decision: RouteDecision, client: UpstreamClient, logPrompts: boolean): RequestRecord {
  const { canonical } = exchange;
  const record: RequestRecord = {
    requestId: request.id,
    tenant: request.tenant,
    api: exchange.api,
    route: decision.route,
    decisionSource: decision.source,
    score: decision.score,
    difficulty: decision.difficulty,
    session: decision.session?.effect,
    reasons: decision.reasons,
    upstreamModel: client.model,
    fallback: false,
    requestedModel: canonical.model,
    stream: canonical.stream === true,
    cache: 'bypass',
    status: 200,
    outcome: 'completed',
    errorCode: null,
    usage: null,
    // Optional fields present from the start (perf): records of hits, misses and streams share one object shape.
    cacheTier: undefined,
    usageEstimated: undefined,
    finishSynthesised: undefined,
    prompt: logPrompts ? promptText(canonical.messages) : undefined,
    droppedTools: exchange.droppedTools,
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

/**
 * Headers of an event stream, sent with the status line once the upstream has answered: the reply's (request id,
 * security and x-thinkgate-* headers) and the stream's own. `getHeaders()` returns a fresh object: filled in
 * place, not spread into another.
 */
function streamHead(reply: FastifyReply): Record<string, string> {
  const head = reply.getHeaders() as Record<string, string>;
  head['content-type'] = 'text/event-stream; charset=utf-8';
  head['cache-control'] = 'no-cache';
  return head;
}

/** A promise (or any thenable) rather than a value: an adapter's encoders may be either. */
const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

function sendReplay(reply: FastifyReply, text: string): void {
  reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache').send(text);
}

function sendJson(reply: FastifyReply, body: unknown): void {
  if (typeof body === 'string') reply.header('content-type', 'application/json; charset=utf-8');
  reply.send(body);
}

/**
 * Sends a cached answer in the form the client asked for; returns its usage for the request record. perf: without
 * a promise when the adapter's encoder answers at once (chat always does), so a cache hit takes no microtask hop.
 */
function sendCached(reply: FastifyReply, exchange: Exchange, answer: CachedAnswer, meta: AnswerMeta): RequestRecord['usage'] | Promise<RequestRecord['usage']> {
  reply.header('x-thinkgate-cache', 'hit');
  reply.header('x-thinkgate-cache-tier', answer.tier);
  if (exchange.canonical.stream === true) {
    const text = exchange.replay(answer.completion(), meta);
    if (typeof text !== 'string') return text.then((t) => (sendReplay(reply, t), answer.usage()));
    sendReplay(reply, text);
  } else {
    const body = answer.json !== null && exchange.storedJson !== undefined
      ? exchange.storedJson(answer.json, () => answer.completion(), meta)
      : exchange.json(answer.completion(), meta);
    if (isThenable(body)) return Promise.resolve(body).then((b) => (sendJson(reply, b), answer.usage()));
    sendJson(reply, body);
  }
  return answer.usage();
}

/**
 * An upstream answer that refuses the request itself (400, 404, 413, 422: a malformed body, an unknown model, a
 * context too long): the same bytes get the same answer, so single-flight followers share it. Timeouts, rate limits,
 * 5xx and the gateway's own failures say nothing of the request and are not shared (a follower tries again).
 */
function refusesRequest(err: unknown): err is GatewayError {
  return err instanceof GatewayError && (err.status === 400 || err.status === 404 || err.status === 413 || err.status === 422);
}

/** What the route found out before handing over: a remembered preparation and where to remember a new one. */
export interface PipelineInput {
  prepared: PreparedRequest | null;
  memoKey: { key: string; bodyLength: number } | null;
  /** The adapter's validated request, remembered with the decision so a repeat skips validation. */
  validated: unknown;
}

/**
 * Serves one request end to end. Resolves with the JSON body to send (fastify serialises it) or the reply itself
 * when the pipeline sent it (streams, cache hits). Throws a `GatewayError` for an error the client should get as
 * JSON; after a stream has begun, errors end the stream through the exchange's encoder instead.
 */
export async function runPipeline(ctx: GatewayContext, request: FastifyRequest, reply: FastifyReply, exchange: Exchange, input: PipelineInput): Promise<unknown> {
  const { config, gate, upstreams, observers } = ctx;
  const memo = ctx.cache.memo;
  const startedAt = performance.now();
  const chat = exchange.canonical;
  const remembered = input.prepared ?? undefined;
  const headerRoute = request.headers['x-thinkgate-route'];
  const threshold = remembered?.threshold ?? ctx.controller.effectiveThreshold();
  const gated = remembered?.decision ?? decideRoute(chat, typeof headerRoute === 'string' ? headerRoute : undefined, config.routing, gate, ctx.tiers);
  // The target-share controller learns the distribution of the gate's need (the threshold's own scale, before the
  // difficulty fold and the session) over the traffic the gate decides.
  if (gated.source === 'gate') ctx.controller.observeScore(gated.need ?? gated.score);
  // Session affinity is applied on every request, remembered or not: the memo holds the gate's decision, the
  // session's state lives in its store. A hit on the memory store stays synchronous.
  // The body's part of the session is worked out here only when it will be remembered with the request; otherwise
  // the session resolves it as far as it needs (a session header needs no digest of the opening).
  const opening = remembered !== undefined ? remembered.session : input.memoKey !== null ? sessionOpening(gated, ctx.sessions, chat) : undefined;
  const withAffinity = withSession(gated, config.gate.session, ctx.sessions, request, chat, true, opening);
  const decision = withAffinity instanceof Promise ? await withAffinity : withAffinity;
  /** The session moved the route or effort: the remembered cache keys (made for the gate's route) do not apply. */
  const sessionMoved = decision.route !== gated.route || decision.effort !== gated.effort;
  const stream = chat.stream === true;
  const bodyFor = (c: UpstreamClient): Record<string, unknown> => {
    if (c.config.api === 'responses') {
      // A Responses client's own request goes as it is; any other API's is mapped from the canonical request.
      return exchange.nativeBody !== undefined ? exchange.nativeBody(c, decision.effort, stream) : canonicalToResponsesBody(chat, c.config, { effort: decision.effort, stream });
    }
    return adaptRequest(chat, c.config, { history: c.config.reasoningHistory ?? config.reasoning.history, effort: decision.effort, stream });
  };
  let client = upstreams[decision.route];
  decisionHeaders(reply, decision, client.model);
  if (exchange.headers !== undefined) reply.headers(exchange.headers);
  const record = newRecord(request, exchange, decision, client, config.log.prompts);
  const meta: AnswerMeta = { requestId: request.id, tenant: request.tenant, decision, upstreamModel: client.model, createdAt: Math.floor(Date.now() / 1000) };

  let upstream: UpstreamAbort | undefined;
  const clientGone = (): boolean => upstream?.clientGone ?? request.raw.socket?.destroyed === true;
  const cachePlan = planCache(
    ctx.cache,
    chat,
    requestCacheFlags(request),
    () => (sessionMoved ? undefined : remembered?.cacheKeys) ?? cacheKeysFor(config, upstreams.reasoning.config, chat, decision, bodyFor(client), cacheScope(config, request.tenant)),
  );
  if (memo !== null && cachePlan !== null && remembered === undefined && input.memoKey !== null && !sessionMoved) {
    memo.set(input.memoKey.key, { validated: input.validated, decision: gated, threshold, cacheKeys: { key: cachePlan.key, lookupKeys: cachePlan.lookupKeys }, session: opening }, input.memoKey.bodyLength);
  }
  let leader: Leader<SharedOutcome> | null = null;
  /** The upstream's refusal of the request itself, handed to this leader's followers (see refusesRequest). */
  let refusal: GatewayError | undefined;
  /** The complete answer, once there is one: stored and handed to single-flight followers. */
  let answer: ChatCompletion | undefined;
  /** What the upstream produced (maybe partial): tokens are counted from it when the upstream reported no usage. */
  let produced: ChatCompletion | undefined;
  /** The live stream's encoder, once the stream has begun (a failure after that ends the stream through it). */
  let encoder: StreamEncoder | undefined;
  /** The live stream's writer, once the stream has begun: when its first byte went out, also for a stream cut short. */
  let writer: SseWriter | undefined;
  /** Whether `answer` can be stored and handed to followers (the adapter can represent it in full): asked once. */
  let storable = false;
  /**
   * Takes the complete answer and stores it before the client is told it is complete (the JSON body, or the stream's
   * last events). Why awaited: with Redis, a replica's write that was still on its way (a deflate, a round trip) when
   * the client sent the same request to another replica made that request a miss: a fleet would pay the upstream
   * twice for what one replica had just answered. It waits at most `cache.redisTimeoutMs`, and a failed write only
   * loses the entry. A fallback answer came from the other tier: it is handed to waiting followers but never stored
   * under this tier's key. An answer the adapter cannot represent in full is served, never stored or shared.
   * perf: `undefined` rather than a resolved promise when nothing is stored (every no-store request), so those
   * requests take no extra microtask hop.
   */
  const completeWith = (completion: ChatCompletion): Promise<boolean> | undefined => {
    answer = completion;
    storable = exchange.cacheable === undefined || exchange.cacheable(completion);
    if (!storable || record.fallback || cachePlan?.policy.write !== true) return undefined;
    return ctx.cache.save(cachePlan.key, decision.route, completion);
  };

  try {
    const cached = resolveWithoutWaiting(ctx.cache, cachePlan) ?? (await resolveFromCache(ctx.cache, cachePlan, clientGone));
    if (cached.kind === 'gone') {
      record.outcome = 'aborted';
      record.status = 499;
      return reply;
    }
    if (cached.kind === 'served') {
      record.cache = 'hit';
      record.cacheTier = cached.answer.tier;
      const usage = sendCached(reply, exchange, cached.answer, meta);
      record.usage = usage instanceof Promise ? await usage : usage;
      record.ttfbMs = performance.now() - startedAt;
      return reply;
    }
    leader = cached.leader;
    record.cache = cached.status;
    reply.header('x-thinkgate-cache', cached.status);

    upstream = upstreamSignal(request, reply, client);
    const signal = upstream.signal;
    const served = await resilientChat({ route: decision.route, upstreams, fallback: config.fallback, signal, bodyFor });
    client = served.client;
    meta.upstreamModel = client.model;
    if (served.fallback) markFallback(reply, record, served);
    const forward = { client, body: served.body, output: config.reasoning.output, signal };

    if (!stream) {
      const completion = await readUpstreamAnswer(served.res, forward);
      record.usage = completion.usage ?? null;
      produced = completion;
      // Awaited only when the adapter's encoder is async (a stored response is written first): one hop fewer for chat.
      let body = exchange.json(completion, meta);
      if (isThenable(body)) body = await body;
      record.ttfbMs = performance.now() - startedAt;
      const storing = completeWith(completion);
      if (storing !== undefined) await storing;
      return body;
    }

    reply.hijack();
    writer = new SseWriter(reply.raw);
    // The same writer as a const: the callbacks below need it narrowed, which a `let` is not inside them.
    const out = writer;
    const streamEncoder = exchange.stream();
    encoder = streamEncoder;
    let pending = '';
    const result = await readUpstreamStream(served.res, forward, {
      start: () => {
        reply.raw.writeHead(200, streamHead(reply));
        pending += streamEncoder.start(meta);
      },
      delta: (chunk, raw) => {
        pending += streamEncoder.chunk(chunk, raw);
      },
      flush: async () => {
        const text = pending;
        pending = '';
        await out.write(text);
      },
    });
    record.usage = result.completion.usage ?? null;
    produced = result.completion;
    if (result.finishSynthesised) record.finishSynthesised = true;
    if (result.error !== null) {
      if (countsAgainstBreaker(result.error)) client.breaker.onFailure();
      record.outcome = 'error';
      record.errorCode = result.error.code;
      record.status = result.error.status;
      out.end(pending + streamEncoder.fail(result.error, result.completion, meta));
    } else {
      // The adapter may persist the answer (stored responses) before announcing completion.
      const tail = pending + (await streamEncoder.end(result.completion, meta));
      if (result.complete) {
        const storing = completeWith(result.completion);
        if (storing !== undefined) await storing;
      }
      out.end(tail);
    }
    record.ttfbMs = out.firstByteAt === null ? null : out.firstByteAt - startedAt;
    return reply;
  } catch (err) {
    // Failed before the cache had its say: the answer did not come from it.
    if (!reply.hasHeader('x-thinkgate-cache')) reply.header('x-thinkgate-cache', 'bypass');
    // What the upstream streamed before the client left: its tokens are counted below (estimated when no usage came).
    if (err instanceof StreamAborted) produced = err.completion;
    const aborted = clientGone();
    if (writer !== undefined && writer.firstByteAt !== null) record.ttfbMs = writer.firstByteAt - startedAt;
    record.outcome = aborted ? 'aborted' : 'error';
    const mapped = upstream?.timedOut === true && !aborted
      ? new GatewayError(504, `${client.tier} upstream did not finish within ${client.config.timeouts.totalMs} ms`, { code: 'upstream_timeout' })
      : err;
    const { status, body: errBody } = toOpenAIError(mapped);
    record.status = aborted ? 499 : status;
    record.errorCode = errBody.error.code;
    if (reply.sent || reply.raw.headersSent) {
      // Mid-stream: the status line is gone; the client gets the API's final error event and a clean end.
      if (!reply.raw.destroyed) {
        const failure = mapped instanceof GatewayError ? mapped : new GatewayError(status, errBody.error.message, { code: errBody.error.code ?? 'server_error' });
        reply.raw.end((encoder ?? exchange.stream()).fail(failure, produced ?? emptyAnswer(meta), meta));
      }
      return reply;
    }
    if (aborted) return reply;
    if (refusesRequest(mapped)) refusal = mapped;
    throw mapped;
  } finally {
    // The answer was stored (completeWith) before this, so a request arriving after the group settles finds the entry.
    leader?.settle(answer !== undefined && storable ? { tier: client.tier, completion: answer } : refusal !== undefined ? { failure: refusal } : undefined);
    record.latencyMs = performance.now() - startedAt;
    const observe = (): void => {
      for (const observer of observers) observer(record);
    };
    // Counting tokens (the tokenizer loads on first need) happens after the answer went out, never before it.
    if (record.usage === null && produced !== undefined) ctx.savings.ledger.track(fillEstimatedUsage(record, chat.messages, produced).then(observe));
    else observe();
  }
}

/** The answer so far when a stream failed before anything was folded. */
const emptyAnswer = (meta: AnswerMeta): ChatCompletion => ({
  id: `chatcmpl-${meta.requestId}`,
  object: 'chat.completion',
  created: meta.createdAt,
  model: meta.upstreamModel,
  choices: [],
});
