import type { Redis } from 'ioredis';
import { closeRedis, failFastRedisOptions, newRedis, ThrottledWarning, waitForRedis } from '../../redis/client.js';
import { LRUCache } from 'lru-cache';
import type { FastifyBaseLogger } from 'fastify';
import { GatewayError } from '../../errors.js';
import type { Tier } from '../../config/schema.js';
import type { AnyInputItem } from './schema.js';
import type { ResponseObject } from './types.js';

/**
 * Stored responses (`store: true`, OpenAI's default): what `previous_response_id`, `GET /v1/responses/{id}`,
 * `DELETE` and `input_items` read. Kept in memory (an LRU bounded by bytes, with a TTL) or in Redis when the
 * cache's store is Redis, so every replica sees every response. Keys are scoped by tenant: another tenant's id is
 * not found. Each entry holds the whole conversation up to it (history, input, output), so evicting one response
 * never breaks a conversation continued from a later one.
 */

/** An input item as stored: with an `id`, as `input_items` lists it. */
export type StoredInputItem = AnyInputItem & { id: string };

export interface StoredResponse {
  response: ResponseObject;
  /** The conversation before this request's input (rebuilt from its `previous_response_id`). */
  history: AnyInputItem[];
  /** This request's input items, with ids. */
  input: StoredInputItem[];
  /** The tier that served (context for the gate on a follow-up). */
  route: Tier;
}

export interface ResponsesStore {
  /** The stored response, or null. Throws a 503 GatewayError when the store cannot answer (Redis down). */
  get(tenant: string, id: string): Promise<StoredResponse | null>;
  /** Resolves once written: the caller announces completion only after. */
  put(tenant: string, id: string, value: StoredResponse): Promise<void>;
  /** True when there was something to delete. */
  delete(tenant: string, id: string): Promise<boolean>;
  close(): Promise<void>;
}

const keyOf = (tenant: string, id: string): string => `${tenant.length}:${tenant}${id}`;

export class MemoryResponsesStore implements ResponsesStore {
  private readonly lru: LRUCache<string, StoredResponse>;

  constructor(
    readonly maxBytes: number,
    ttlSeconds: number,
    /** The clock TTLs are read from, in ms (tests pass their own). */
    clock: { now(): number } = performance,
  ) {
    this.lru = new LRUCache<string, StoredResponse>({
      maxSize: maxBytes,
      maxEntrySize: maxBytes,
      ttl: ttlSeconds * 1000,
      // A response lives its TTL from when it was written; reading it (a follow-up, a GET) makes it recently used,
      // so the least recently used go first when the bytes run out.
      updateAgeOnGet: false,
      perf: clock,
      // Read the clock on every check (no cached "now"): cheap next to the JSON a stored response is.
      ttlResolution: 0,
    });
  }

  async get(tenant: string, id: string): Promise<StoredResponse | null> {
    return this.lru.get(keyOf(tenant, id)) ?? null;
  }

  async put(tenant: string, id: string, value: StoredResponse): Promise<void> {
    // Two bytes a character: what V8 holds for the parsed object's strings is of that order.
    const size = 2 * JSON.stringify(value).length + 256;
    this.lru.set(keyOf(tenant, id), value, { size: Math.min(size, this.maxBytes) });
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    const key = keyOf(tenant, id);
    // An expired entry is not there, though the LRU may still hold it until it is next touched.
    const live = this.lru.has(key);
    this.lru.delete(key);
    return live;
  }

  get size(): number {
    return this.lru.size;
  }

  async close(): Promise<void> {
    this.lru.clear();
  }
}

export interface RedisResponsesStoreOptions {
  url: string;
  /** `redis.keyPrefix` + `responses:` */
  keyPrefix: string;
  ttlSeconds: number;
  commandTimeoutMs: number;
  log: FastifyBaseLogger;
}

const unavailable = (): GatewayError =>
  new GatewayError(503, 'The response store is unavailable; retry shortly or send the full input with store: false.', {
    code: 'response_store_unavailable',
    headers: { 'retry-after': '1' },
    // The store warns once per outage (readFailed); one error line per read buried it.
    quiet: true,
  });

/** Responses in Redis as JSON with a TTL: shared by every replica. */
export class RedisResponsesStore implements ResponsesStore {
  private readonly redis: Redis;
  private readonly putFailed: ThrottledWarning;
  private readonly readFailed: ThrottledWarning;

  constructor(private readonly opts: RedisResponsesStoreOptions) {
    this.redis = newRedis(opts.url, failFastRedisOptions(opts.commandTimeoutMs));
    this.putFailed = new ThrottledWarning((fields, message) => opts.log.warn(fields, message), 'responses store: could not store a response');
    this.readFailed = new ThrottledWarning((fields, message) => opts.log.warn(fields, message), 'responses store: redis unavailable, stored responses cannot be read');
    this.redis.on('error', (err: Error) => opts.log.debug({ err: err.message }, 'responses store: redis error'));
    this.redis.on('ready', () => {
      this.readFailed.reset();
      this.putFailed.reset();
    });
  }

  private failedRead(err: unknown): GatewayError {
    this.readFailed.failed(err);
    return unavailable();
  }

  private key(tenant: string, id: string): string {
    return `${this.opts.keyPrefix}${keyOf(tenant, id)}`;
  }

  async get(tenant: string, id: string): Promise<StoredResponse | null> {
    let text: string | null;
    try {
      text = await this.redis.get(this.key(tenant, id));
    } catch (err) {
      throw this.failedRead(err);
    }
    if (text === null) return null;
    try {
      return JSON.parse(text) as StoredResponse;
    } catch {
      // A value this code did not write (another program, a truncated write): not a response it can use.
      return null;
    }
  }

  async put(tenant: string, id: string, value: StoredResponse): Promise<void> {
    try {
      await this.redis.set(this.key(tenant, id), JSON.stringify(value), 'EX', this.opts.ttlSeconds);
    } catch (err) {
      // The answer still goes out; a follow-up naming it will be told the id is unknown.
      this.putFailed.failed(err, { responseId: id });
    }
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    try {
      return (await this.redis.del(this.key(tenant, id))) > 0;
    } catch (err) {
      throw this.failedRead(err);
    }
  }

  /** Resolves once connected or after `timeoutMs`: startup never blocks on a missing Redis. */
  waitReady(timeoutMs: number): Promise<boolean> {
    return waitForRedis(this.redis, timeoutMs);
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }
}
