import type { FastifyBaseLogger } from 'fastify';
import type { ChatCompletion } from '../core/types.js';
import type { GatewayError } from '../errors.js';
import type { CacheConfig, Config, Tier } from '../config/schema.js';
import type { CacheEntry } from './entry.js';
import { isCacheableCompletion, NO_STORE, requestPolicy, type CachePolicy, type PolicyRequest } from './policy.js';
import { RedisStore } from './redis-store.js';
import { SingleFlight } from './single-flight.js';
import { PreparedMemo } from '../pipeline/prepared.js';
import { MemoryStore, type CacheStore, type StoreStats } from './store.js';

/** A completed answer shared by a single-flight leader with its followers. */
export interface SharedAnswer {
  tier: Tier;
  completion: ChatCompletion;
  /**
   * Set instead of an answer when the leader's upstream refused the request itself (a 400-class answer to the same
   * bytes): its followers get the same error rather than each asking again in turn. Never stored.
   */
  failure?: undefined;
}

/** What a single-flight leader hands its followers: its answer, or the upstream's refusal of the request. */
export type SharedOutcome = SharedAnswer | { failure: GatewayError };

export interface CacheHit {
  key: string;
  entry: CacheEntry;
  /** Served by the reasoning tier's entry for a request routed direct. */
  crossTier: boolean;
}

export interface CacheStats extends StoreStats {
  hits: number;
  /** Of the hits, served by a cached reasoning answer to a request routed direct. */
  crossTierHits: number;
  /** Of the hits, followers served by an identical request in flight (no store read). */
  coalesced: number;
  misses: number;
  bypasses: number;
  /** Entries written (answers that passed the policy). */
  stores: number;
  /** The prepared-request memo (null when off). */
  memo: { entries: number; bytes: number; maxBytes: number } | null;
}

/**
 * The result cache: a store (memory LRU, or Redis with a memory near-cache), the request/answer policy, the
 * single-flight table and the counters. Knows nothing of HTTP: the chat route asks it questions.
 */
export class ResultCache {
  readonly flights = new SingleFlight<SharedOutcome>();
  /** Prepared requests by their bytes (with tenant and route header): a repeat goes straight to the lookup (null when off). */
  readonly memo: PreparedMemo | null;
  private hits = 0;
  private crossTierHits = 0;
  private misses = 0;
  private bypasses = 0;
  private stores = 0;

  constructor(
    readonly config: CacheConfig,
    private readonly store: CacheStore,
  ) {
    this.memo = config.enabled && config.memoMaxBytes > 0 ? new PreparedMemo(config.memoMaxBytes) : null;
  }

  /**
   * Whether a request could be cacheable at all, judged before its body is parsed: not with `no-store`
   * (`cacheFlags`: the request's Cache-Control header read by `cacheControlFlags`, as the policy reads it), and in `deterministic` mode not when the body names neither `"temperature"`
   * nor `"seed"`. The memo looks up only such requests. It may only say yes too often (a field spelled with
   * escapes), which costs a memo lookup, never a wrong answer: the policy still decides on the parsed request.
   */
  mayCache(raw: string, cacheFlags: number): boolean {
    const c = this.config;
    if (!c.enabled || (cacheFlags & NO_STORE) !== 0) return false;
    if (c.mode === 'all' || c.absentTemperatureIsDeterministic) return true;
    return raw.includes('"temperature"') || raw.includes('"seed"');
  }

  policy(req: PolicyRequest): CachePolicy {
    return requestPolicy(req, this.config);
  }

  /**
   * The routed tier's entry when this process holds it, found without a promise (perf: a cache hit's lookup
   * otherwise took three). Only the first key: a later key may only answer once the store has said the earlier
   * ones are absent, which only `lookup` can tell.
   */
  peek(keys: readonly string[]): CacheHit | undefined {
    const key = keys[0];
    if (key === undefined) return undefined;
    const entry = this.store.peek(key);
    return entry === undefined ? undefined : { key, entry, crossTier: false };
  }

  /** Looks up `keys` in order; `unavailable` when the store could not answer for any of them. */
  async lookup(keys: readonly string[]): Promise<CacheHit | null | 'unavailable'> {
    let unavailable = false;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const found = await this.store.get(key);
      if (found === 'unavailable') unavailable = true;
      else if (found !== null) return { key, entry: found, crossTier: i > 0 };
    }
    return unavailable ? 'unavailable' : null;
  }

  /** Stores a completed answer if the policy allows it. Never throws: a store failure only loses the entry. */
  async save(key: string, tier: Tier, completion: ChatCompletion): Promise<boolean> {
    if (!isCacheableCompletion(completion, this.config)) return false;
    this.stores++;
    await this.store.set(key, { tier, json: JSON.stringify(completion), storedAt: Date.now(), usage: completion.usage ?? null });
    return true;
  }

  /** Counts what the client was told in `x-thinkgate-cache`. */
  count(status: 'hit' | 'miss' | 'bypass', crossTier = false): void {
    if (status === 'hit') {
      this.hits++;
      if (crossTier) this.crossTierHits++;
    } else if (status === 'miss') this.misses++;
    else this.bypasses++;
  }

  stats(): CacheStats {
    return {
      ...this.store.stats(),
      hits: this.hits,
      crossTierHits: this.crossTierHits,
      coalesced: this.flights.coalesced,
      misses: this.misses,
      bypasses: this.bypasses,
      stores: this.stores,
      memo: this.memo === null ? null : { entries: this.memo.size, bytes: this.memo.bytes, maxBytes: this.memo.maxBytes },
    };
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** Builds the configured cache; with Redis, waits briefly for the connection (never fails when Redis is down). */
export async function createResultCache(config: Config, log: FastifyBaseLogger): Promise<ResultCache> {
  const cfg = config.cache;
  const kind = cfg.store ?? (config.redis.url !== undefined ? 'redis' : 'memory');
  if (kind === 'redis' && config.redis.url !== undefined) {
    const store = new RedisStore({
      url: config.redis.url,
      keyPrefix: `${config.redis.keyPrefix}cache:`,
      ttlSeconds: cfg.ttlSeconds,
      nearCacheMaxBytes: cfg.nearCacheMaxBytes,
      nearCacheTtlSeconds: cfg.nearCacheTtlSeconds,
      compressAboveBytes: cfg.compressAboveBytes,
      commandTimeoutMs: cfg.redisTimeoutMs,
      log,
    });
    if (!(await store.waitReady(1_000))) log.warn('cache: redis not reachable at startup; serving without the shared cache until it is');
    return new ResultCache(cfg, store);
  }
  return new ResultCache(cfg, new MemoryStore(cfg.maxBytes, cfg.ttlSeconds));
}
