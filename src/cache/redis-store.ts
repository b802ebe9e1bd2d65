import type { Redis } from 'ioredis';
import { failFastRedisOptions, newRedis, ThrottledWarning, waitForRedis } from '../redis/client.js';
import type { FastifyBaseLogger } from 'fastify';
import { decodeEntry, encodeEntry, type CacheEntry } from './entry.js';
import { MemoryStore, type CacheStore, type StoreLookup, type StoreStats } from './store.js';

export interface RedisStoreOptions {
  url: string;
  /** `redis.keyPrefix` + `cache:` */
  keyPrefix: string;
  ttlSeconds: number;
  nearCacheMaxBytes: number;
  nearCacheTtlSeconds: number;
  compressAboveBytes: number;
  commandTimeoutMs: number;
  log: FastifyBaseLogger;
  /** How often at most "Redis is down" is logged while it stays down. */
  warnIntervalMs?: number;
}

/**
 * Shared store for many replicas: entries in Redis with a TTL (deflated above a size), a small memory LRU in
 * front. Redis trouble never reaches the client: a failed or slow command makes that lookup `unavailable`
 * (the cache is bypassed), the failure is counted and logged at most once per interval, and ioredis keeps
 * reconnecting in the background.
 */
export class RedisStore implements CacheStore {
  private readonly redis: Redis;
  private readonly near: MemoryStore;
  private readonly ttlMs: number;
  private readonly warning: ThrottledWarning;
  private errors = 0;
  private wasReady = false;
  private closing = false;

  constructor(private readonly opts: RedisStoreOptions) {
    this.near = new MemoryStore(opts.nearCacheMaxBytes, Math.min(opts.nearCacheTtlSeconds, opts.ttlSeconds));
    this.ttlMs = opts.ttlSeconds * 1000;
    this.warning = new ThrottledWarning((fields, message) => opts.log.warn(fields, message), 'cache: redis unavailable, cache bypassed', opts.warnIntervalMs);
    this.redis = newRedis(opts.url, failFastRedisOptions(opts.commandTimeoutMs));
    this.redis.on('error', (err: Error) => this.failed(err));
    this.redis.on('ready', () => {
      if (this.errors > 0) this.opts.log.info({ redisErrors: this.errors }, 'cache: redis is reachable again');
      this.warning.reset();
      this.wasReady = true;
    });
    // A lost connection is a failure even before any command or reconnect attempt reports one.
    this.redis.on('close', () => {
      if (this.wasReady && !this.closing) this.failed(new Error('connection to redis lost'));
      this.wasReady = false;
    });
  }

  /** Resolves once connected or after `timeoutMs`, whichever first: startup never blocks on a missing Redis. */
  waitReady(timeoutMs: number): Promise<boolean> {
    return waitForRedis(this.redis, timeoutMs);
  }

  get up(): boolean {
    return this.redis.status === 'ready';
  }

  private redisKey(key: string): string {
    return `${this.opts.keyPrefix}${key}`;
  }

  private failed(err: unknown): void {
    this.errors++;
    this.warning.failed(err, { redisErrors: this.errors });
  }

  peek(key: string): CacheEntry | undefined {
    return this.near.peek(key);
  }

  async get(key: string): Promise<StoreLookup> {
    const near = this.near.peek(key);
    if (near !== undefined) return near;
    if (!this.up) return 'unavailable';
    try {
      const buf = await this.redis.getBuffer(this.redisKey(key));
      if (buf === null) return null;
      const entry = await decodeEntry(buf);
      if (entry === undefined) return null;
      this.near.put(key, entry);
      return entry;
    } catch (err) {
      this.failed(err);
      return 'unavailable';
    }
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    this.near.put(key, entry);
    if (!this.up) return;
    try {
      const value = await encodeEntry(entry, this.opts.compressAboveBytes);
      await this.redis.set(this.redisKey(key), value, 'PX', this.ttlMs);
    } catch (err) {
      this.failed(err);
    }
  }

  stats(): StoreStats {
    const near = this.near.stats();
    return {
      kind: 'redis',
      entries: near.entries,
      bytes: near.bytes,
      maxBytes: near.maxBytes,
      redis: { status: this.redis.status, up: this.up, errors: this.errors },
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.near.close();
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
