import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { closeRedis, failFastRedisOptions, newRedis, RedisHealth, waitForRedis } from '../redis/client.js';
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
  /**
   * Subscribed to the fleet's invalidation channel (a connection in subscriber mode can send nothing else). Why:
   * each replica's near-cache keeps what it read for up to `nearCacheTtlSeconds`; when another replica writes the
   * key (a `no-cache` / `max-age=0` refresh, or two replicas answering the same miss at once), this replica went on
   * serving its old copy for up to a minute while the rest of the fleet served the new one.
   */
  private readonly subscriber: Redis;
  /** This store's id in invalidation messages: its own writes are not dropped from its own near-cache. */
  private readonly id = randomUUID();
  private readonly channel: string;
  /** Invalidation messages from other replicas that dropped an entry here. */
  private invalidations = 0;
  private readonly near: MemoryStore;
  private readonly ttlMs: number;
  private readonly health: RedisHealth;

  constructor(private readonly opts: RedisStoreOptions) {
    this.near = new MemoryStore(opts.nearCacheMaxBytes, Math.min(opts.nearCacheTtlSeconds, opts.ttlSeconds));
    this.ttlMs = opts.ttlSeconds * 1000;
    this.redis = newRedis(opts.url, failFastRedisOptions(opts.commandTimeoutMs));
    this.health = new RedisHealth(this.redis, 'cache', 'cache bypassed', opts.log, opts.warnIntervalMs);
    this.channel = `${opts.keyPrefix}invalidate`;
    // Subscribed on every (re)connection, not through ioredis' resubscription: the near-cache is emptied first,
    // since writes other replicas made while this connection was down were announced to nobody here.
    this.subscriber = newRedis(opts.url, { ...failFastRedisOptions(opts.commandTimeoutMs), autoResubscribe: false });
    this.subscriber.on('error', () => {}); // the main connection reports and counts Redis trouble
    let subscribedBefore = false;
    this.subscriber.on('ready', () => {
      if (subscribedBefore) this.near.clear();
      subscribedBefore = true;
      this.subscriber.subscribe(this.channel).catch(() => this.subscriber.disconnect(true));
    });
    this.subscriber.on('message', (_channel: string, message: string) => this.invalidated(message));
  }

  /** `<store id> <key>` from another replica that wrote `key`: this replica's copy may be stale. */
  private invalidated(message: string): void {
    const space = message.indexOf(' ');
    if (space < 0 || message.slice(0, space) === this.id) return;
    if (this.near.delete(message.slice(space + 1))) this.invalidations++;
  }

  /** Resolves once connected or after `timeoutMs`, whichever first: startup never blocks on a missing Redis. */
  waitReady(timeoutMs: number): Promise<boolean> {
    // The subscriber too: a replica that starts serving before it listens would miss the others' first writes.
    return Promise.all([waitForRedis(this.redis, timeoutMs), waitForRedis(this.subscriber, timeoutMs)]).then(([ready]) => ready);
  }

  get up(): boolean {
    return this.redis.status === 'ready';
  }

  private redisKey(key: string): string {
    return `${this.opts.keyPrefix}${key}`;
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
      // Kept here no longer than Redis keeps it (the writer's clock says when it was stored). Why: another replica's
      // entry read near the end of its `cache.ttlSeconds` was served here for up to `nearCacheTtlSeconds` more.
      const left = entry.storedAt + this.ttlMs - Date.now();
      if (left > 0) this.near.put(key, entry, left);
      return entry;
    } catch (err) {
      this.health.failed(err);
      return 'unavailable';
    }
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    this.near.put(key, entry);
    if (!this.up) return;
    try {
      const value = await encodeEntry(entry, this.opts.compressAboveBytes);
      // Both commands go out together (one round trip); the message tells the other replicas' near-caches.
      await Promise.all([this.redis.set(this.redisKey(key), value, 'PX', this.ttlMs), this.redis.publish(this.channel, `${this.id} ${key}`)]);
    } catch (err) {
      this.health.failed(err);
    }
  }

  stats(): StoreStats {
    const near = this.near.stats();
    return {
      kind: 'redis',
      entries: near.entries,
      bytes: near.bytes,
      maxBytes: near.maxBytes,
      redis: { status: this.redis.status, up: this.up, errors: this.health.errors, invalidations: this.invalidations },
    };
  }

  async close(): Promise<void> {
    this.health.closed();
    await this.near.close();
    await Promise.all([closeRedis(this.redis), closeRedis(this.subscriber)]);
  }
}
