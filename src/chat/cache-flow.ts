import type { FastifyReply } from 'fastify';
import { cacheKey, SHARED_SCOPE } from '../cache/key.js';
import type { CachePolicy } from '../cache/policy.js';
import { replayCompletion } from '../cache/replay.js';
import type { ResultCache, SharedAnswer } from '../cache/result-cache.js';
import type { Leader } from '../cache/single-flight.js';
import type { Config, Tier, UpstreamConfig } from '../config/schema.js';
import { reasoningEffortToPass, type RouteDecision } from '../routing/decide.js';
import { adaptRequest } from '../upstream/adapt.js';
import type { ReasoningOutput } from '../upstream/normalise.js';
import type { ChatRequest } from './schema.js';
import type { ChatCompletion, Usage } from './types.js';

/**
 * The chat route's side of the result cache: which keys a request has, serving a stored or coalesced answer
 * (JSON or replayed SSE), and taking the lead of an in-flight group. Kept out of the route file so the route
 * stays a composition of steps.
 */

export interface CachePlan {
  policy: CachePolicy;
  /** Key of the routed tier: where this request's answer is stored and the single-flight group. */
  key: string;
  /** Keys to read, in order: the routed tier's, then (routed direct, crossTier on) the reasoning tier's. */
  lookupKeys: string[];
}

/** null when the cache is bypassed for this request (disabled, no-store, not deterministic). */
export function planCache(
  cache: ResultCache,
  config: Config,
  /** Config of the reasoning upstream (demo or configured), for the cross-tier key. */
  reasoningUpstream: UpstreamConfig,
  chat: ChatRequest,
  decision: RouteDecision,
  upstreamBody: Record<string, unknown>,
  tenant: string,
  cacheControl: string | string[] | undefined,
): CachePlan | null {
  const policy = cache.policy({ temperature: chat.temperature, seed: chat.seed, cacheControl });
  if (!policy.read && !policy.write) return null;
  const scope = config.cache.shareAcrossTenants ? SHARED_SCOPE : tenant;
  const key = cacheKey({ tier: decision.route, upstreamBody, scope });
  const lookupKeys = [key];
  if (policy.read && decision.route === 'direct' && config.cache.crossTier) {
    // The body the reasoning upstream would have received for this request, with the effort decideRoute gives it.
    const reasoningBody = adaptRequest(chat, reasoningUpstream, {
      history: reasoningUpstream.reasoningHistory ?? config.reasoning.history,
      effort: reasoningEffortToPass(chat),
      stream: false,
    });
    lookupKeys.push(cacheKey({ tier: 'reasoning', upstreamBody: reasoningBody, scope }));
  }
  return { policy, key, lookupKeys };
}

/** A stored or coalesced answer ready to send. */
export interface CachedAnswer {
  tier: Tier;
  crossTier: boolean;
  coalesced: boolean;
  /** The completion's JSON text when it came from the store (sent as is); null for a coalesced answer. */
  json: string | null;
  completion(): ChatCompletion;
}

export type CacheResolution =
  | { kind: 'served'; answer: CachedAnswer }
  /** Go upstream: as the group's leader (settle it!) or alone; `status` is what the client is told. */
  | { kind: 'upstream'; status: 'miss' | 'bypass'; leader: Leader<SharedAnswer> | null }
  /** The client left while waiting for a leader. */
  | { kind: 'gone' };

function storedAnswer(json: string, tier: Tier, crossTier: boolean): CachedAnswer {
  let parsed: ChatCompletion | undefined;
  return { tier, crossTier, coalesced: false, json, completion: () => (parsed ??= JSON.parse(json) as ChatCompletion) };
}

/** Reads the store, then joins or leads the in-flight group for the key. Counts the outcome. */
export async function resolveFromCache(cache: ResultCache, plan: CachePlan | null, clientGone: () => boolean): Promise<CacheResolution> {
  if (plan === null) {
    cache.count('bypass');
    return { kind: 'upstream', status: 'bypass', leader: null };
  }
  let status: 'miss' | 'bypass' = 'miss';
  if (plan.policy.read) {
    const found = await cache.lookup(plan.lookupKeys);
    if (found === 'unavailable') status = 'bypass';
    else if (found !== null) {
      cache.count('hit', found.crossTier);
      return { kind: 'served', answer: storedAnswer(found.entry.json, found.entry.tier, found.crossTier) };
    }
  }
  // no-cache asks for a fresh answer: it neither waits for nor leads a group.
  if (!plan.policy.read || !plan.policy.write) {
    cache.count(status);
    return { kind: 'upstream', status, leader: null };
  }
  for (;;) {
    const slot = cache.flights.acquire(plan.key);
    if (slot.role === 'leader') {
      cache.count(status);
      return { kind: 'upstream', status, leader: slot };
    }
    const shared = await slot.result;
    if (shared !== undefined) {
      cache.count('hit');
      return { kind: 'served', answer: { tier: shared.tier, crossTier: false, coalesced: true, json: null, completion: () => shared.completion } };
    }
    if (clientGone()) return { kind: 'gone' };
    // The leader failed or was aborted: try to lead (or follow whoever leads now).
  }
}

export interface SendOptions {
  stream: boolean;
  includeUsage: boolean;
  output: ReasoningOutput;
}

/** Sends a cached answer in the form the client asked for; returns its usage for the request record. */
export function sendCachedAnswer(reply: FastifyReply, answer: CachedAnswer, opts: SendOptions): Usage | null {
  reply.header('x-thinkgate-cache', 'hit');
  reply.header('x-thinkgate-cache-tier', answer.tier);
  const completion = answer.completion();
  if (opts.stream) {
    reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(replayCompletion(completion, { includeUsage: opts.includeUsage, output: opts.output }));
  } else {
    reply.header('content-type', 'application/json; charset=utf-8').send(answer.json ?? JSON.stringify(completion));
  }
  return completion.usage ?? null;
}
