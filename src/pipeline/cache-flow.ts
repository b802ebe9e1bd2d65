import type { CacheEntry } from '../cache/entry.js';
import { cacheKey, SHARED_SCOPE } from '../cache/key.js';
import type { CachePolicy } from '../cache/policy.js';
import type { ResultCache, SharedOutcome } from '../cache/result-cache.js';
import type { Leader } from '../cache/single-flight.js';
import type { Config, Tier, UpstreamConfig } from '../config/schema.js';
import { reasoningEffortToPass, type RouteDecision } from '../routing/decide.js';
import { adaptRequest } from '../upstream/adapt.js';
import type { CacheKeys } from './prepared.js';
import type { CanonicalRequest } from '../core/conversation.js';
import type { ChatCompletion, Usage } from '../core/types.js';

/**
 * The pipeline's side of the result cache: which keys a request has, finding a stored or coalesced answer, and
 * taking the lead of an in-flight group. Sending a found answer is the adapter's (its JSON or its events).
 */

export interface CachePlan extends CacheKeys {
  policy: CachePolicy;
}

/**
 * The request's cache keys: the routed tier's (where its answer is stored; the single-flight group), then, when
 * routed direct with `crossTier` on, the reasoning tier's (a better answer to the same request, read only).
 */
export function cacheKeysFor(
  config: Config,
  /** Config of the reasoning upstream (demo or configured), for the cross-tier key. */
  reasoningUpstream: UpstreamConfig,
  chat: CanonicalRequest,
  decision: RouteDecision,
  /** The body as the routed tier's upstream receives it. */
  upstreamBody: Record<string, unknown>,
  scope: string,
): CacheKeys {
  const key = cacheKey({ tier: decision.route, upstreamBody, scope });
  const lookupKeys = [key];
  if (decision.route === 'direct' && config.cache.crossTier) {
    // The body the reasoning upstream would have received for this request, with the effort decideRoute gives it.
    const reasoningBody = adaptRequest(chat, reasoningUpstream, {
      history: reasoningUpstream.reasoningHistory ?? config.reasoning.history,
      effort: reasoningEffortToPass(chat),
      stream: false,
    });
    lookupKeys.push(cacheKey({ tier: 'reasoning', upstreamBody: reasoningBody, scope }));
  }
  return { key, lookupKeys };
}

/** The tenant's cache scope, or the shared one. */
export const cacheScope = (config: Config, tenant: string): string => (config.cache.shareAcrossTenants ? SHARED_SCOPE : tenant);

/**
 * null when the cache is bypassed for this request (disabled, no-store, not deterministic); keys are made only when
 * needed. `cacheFlags`: the request's Cache-Control header as `cacheControlFlags` bits.
 */
export function planCache(cache: ResultCache, chat: CanonicalRequest, cacheFlags: number, keys: () => CacheKeys): CachePlan | null {
  const policy = cache.policy({ temperature: chat.temperature, seed: chat.seed, cacheFlags });
  if (!policy.read && !policy.write) return null;
  const { key, lookupKeys } = keys();
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
  usage(): Usage | null;
}

export type CacheResolution =
  | { kind: 'served'; answer: CachedAnswer }
  /** Go upstream: as the group's leader (settle it!) or alone; `status` is what the client is told. */
  | { kind: 'upstream'; status: 'miss' | 'bypass'; leader: Leader<SharedOutcome> | null }
  /** The client left while waiting for a leader. */
  | { kind: 'gone' };

/** An answer from the store (perf: methods on a class, not closures made per hit). */
class StoredAnswer implements CachedAnswer {
  readonly coalesced = false;
  private parsed: ChatCompletion | undefined;

  constructor(
    private readonly entry: CacheEntry,
    readonly crossTier: boolean,
  ) {}

  get tier(): Tier {
    return this.entry.tier;
  }

  get json(): string {
    return this.entry.json;
  }

  completion(): ChatCompletion {
    return (this.parsed ??= JSON.parse(this.entry.json) as ChatCompletion);
  }

  /** A JSON hit needs only the usage: kept on the entry, so the answer is parsed once per entry, not once per hit. */
  usage(): Usage | null {
    const entry = this.entry;
    return entry.usage === undefined ? (entry.usage = this.completion().usage ?? null) : entry.usage;
  }
}

/**
 * A stored answer this process holds for the request's own tier, without waiting for anything; null when
 * `resolveFromCache` has to ask (the store, or the in-flight group). Counts the hit.
 */
export function resolveHeldAnswer(cache: ResultCache, plan: CachePlan | null): { kind: 'served'; answer: CachedAnswer } | null {
  if (plan === null || !plan.policy.read) return null;
  const found = cache.peek(plan.lookupKeys);
  if (found === undefined) return null;
  cache.count('hit', false);
  return { kind: 'served', answer: new StoredAnswer(found.entry, false) };
}

/** The resolution of a request the cache does not take part in (shared: nothing in it is per request). */
const BYPASS: CacheResolution = Object.freeze({ kind: 'upstream', status: 'bypass', leader: null });

/**
 * What the cache has to say without waiting: a held answer, or (no plan) "go upstream, bypassed"; null when
 * `resolveFromCache` has to ask. perf: a cache-bypassed request skips an async call and its microtask hop.
 */
export function resolveWithoutWaiting(cache: ResultCache, plan: CachePlan | null): CacheResolution | null {
  if (plan === null) {
    cache.count('bypass');
    return BYPASS;
  }
  return resolveHeldAnswer(cache, plan);
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
      return { kind: 'served', answer: new StoredAnswer(found.entry, found.crossTier) };
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
    // A follower waits as long as its leader works (minutes for a reasoning model): its client may have left
    // meanwhile. It is then an aborted request (499 in the ledger and the log), not a hit served to nobody.
    if (clientGone()) return { kind: 'gone' };
    // The upstream refused these very bytes: asking again would only be refused again, one follower after another.
    if (shared?.failure !== undefined) throw shared.failure;
    if (shared !== undefined) {
      cache.count('hit');
      const completion = (): ChatCompletion => shared.completion;
      return { kind: 'served', answer: { tier: shared.tier, crossTier: false, coalesced: true, json: null, completion, usage: () => shared.completion.usage ?? null } };
    }
    // The leader failed or was aborted: try to lead (or follow whoever leads now).
  }
}
