import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';

const require = createRequire(import.meta.url);

/**
 * A new ioredis client. perf: ioredis is loaded on the first call, not when the gateway's modules are imported:
 * it is ~11 MB of resident memory (measured: RSS before and after importing it) that a gateway configured without
 * Redis never uses, and most of the gap between idle RSS and its 120 MB bound. Every part that talks to Redis (result
 * cache, ledger, rate limit, sessions, stored responses) makes its client here. `require`, not `import()`: ioredis
 * is a CommonJS package, and the callers construct their clients synchronously.
 */
export function newRedis(url: string, options: RedisOptions): Redis {
  const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
  return new RedisClient(url, options);
}

/**
 * ioredis options for a store on the request path: fail fast instead of queueing (a request must not wait for a
 * reconnect to get its answer), and keep reconnecting in the background.
 */
export function failFastRedisOptions(commandTimeoutMs: number): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(100 * times, 2_000),
    lazyConnect: false,
  };
}

/** True once `redis` is connected, false after `timeoutMs` without: startup never blocks on a missing Redis. */
export function waitForRedis(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const onReady = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    timer.unref();
    redis.once('ready', onReady);
  });
}

/**
 * A store's failure warnings, at most one line per `intervalMs` while failures go on, with how many there were
 * since the last line. During an outage every request fails to write: one warning each multiplied the log volume
 * (the result cache's way, which it now shares). Counters (metrics) still count every failure.
 */
export class ThrottledWarning {
  private lastAt = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly warn: (fields: Record<string, unknown>, message: string) => void,
    private readonly message: string,
    private readonly intervalMs = 30_000,
  ) {}

  /** The store is reachable again: the next failure starts a new outage and is logged at once. */
  reset(): void {
    this.lastAt = -Infinity;
    this.suppressed = 0;
  }

  failed(err: unknown, fields: Record<string, unknown> = {}): void {
    const now = performance.now();
    if (now - this.lastAt < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.lastAt = now;
    const since = this.suppressed;
    this.suppressed = 0;
    this.warn({ ...fields, err: err instanceof Error ? err.message : String(err), ...(since > 0 ? { suppressedSinceLast: since } : {}) }, this.message);
  }
}

/** Ends a client politely (QUIT), or at once when the connection cannot take a command; never throws. */
export async function closeRedis(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}

export interface RedisHealthLog {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

/**
 * How a store on the request path watches its Redis connection: counts every failure (`errors`, for its stats and
 * metrics), warns at most once per `warnIntervalMs` while they go on (ThrottledWarning), says once the connection
 * is back, and counts a lost connection as a failure as soon as it closes, before any command or reconnect attempt
 * reports one. The result cache and the session store share it; their messages say which store.
 */
export class RedisHealth {
  errors = 0;
  private readonly warning: ThrottledWarning;
  private wasReady = false;
  private closing = false;

  /**
   * `store`: the messages' prefix (`cache`, `sessions`); `unavailable`: what the store does while Redis is down, in
   * the warning (`cache bypassed`).
   */
  constructor(redis: Redis, store: string, unavailable: string, log: RedisHealthLog | undefined, warnIntervalMs?: number) {
    this.warning = new ThrottledWarning((fields, message) => log?.warn(fields, message), `${store}: redis unavailable, ${unavailable}`, warnIntervalMs);
    redis.on('error', (err: Error) => this.failed(err));
    redis.on('ready', () => {
      if (this.errors > 0) log?.info({ redisErrors: this.errors }, `${store}: redis is reachable again`);
      this.warning.reset();
      this.wasReady = true;
    });
    redis.on('close', () => {
      if (this.wasReady && !this.closing) this.failed(new Error('connection to redis lost'));
      this.wasReady = false;
    });
  }

  /** A failed or timed-out command, or a connection error. */
  failed(err: unknown): void {
    this.errors++;
    this.warning.failed(err, { redisErrors: this.errors });
  }

  /** The store is closing: the connection's end is not a failure. */
  closed(): void {
    this.closing = true;
  }
}
