import type { Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import type { Redis } from 'ioredis';
import { failFastRedisOptions, newRedis, waitForRedis } from '../redis/client.js';
import type { Config } from '../config/schema.js';
import { GatewayError } from '../errors.js';

/**
 * Load shedding for `/v1/*`: refuse early and cheaply (429/503 with Retry-After, OpenAI error shape) rather than
 * queue work the instance cannot finish. In-flight bounds per instance and per tenant, a rate limit per client key,
 * and an event-loop-delay cut-off. Health routes are outside the scope on purpose: an overloaded instance is
 * still alive, and killing it would move its load onto the others.
 */

/** Counts requests in progress, overall and per tenant. Pure; the hooks below do the I/O. */
export class InFlightLimiter {
  private total = 0;
  private readonly perTenant = new Map<string, number>();

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerTenant: number,
  ) {}

  /** Takes a slot, or says which bound is full. 0 = unbounded. */
  acquire(tenant: string): 'ok' | 'instance' | 'tenant' {
    if (this.maxTotal > 0 && this.total >= this.maxTotal) return 'instance';
    const mine = this.perTenant.get(tenant) ?? 0;
    if (this.maxPerTenant > 0 && mine >= this.maxPerTenant) return 'tenant';
    this.total++;
    this.perTenant.set(tenant, mine + 1);
    return 'ok';
  }

  release(tenant: string): void {
    const mine = this.perTenant.get(tenant) ?? 0;
    if (mine <= 0) return;
    this.total--;
    // Idle tenants leave no entry behind: the map is bounded by tenants with requests in progress.
    if (mine === 1) this.perTenant.delete(tenant);
    else this.perTenant.set(tenant, mine - 1);
  }

  get inFlight(): number {
    return this.total;
  }

  inFlightOf(tenant: string): number {
    return this.perTenant.get(tenant) ?? 0;
  }
}

const tooBusy = (scope: 'instance' | 'tenant', retryAfterSeconds: number): GatewayError =>
  new GatewayError(
    429,
    scope === 'instance'
      ? 'The gateway is handling too many requests right now. Please retry shortly.'
      : 'Too many concurrent requests for this API key. Wait for some to finish, then retry.',
    { code: scope === 'instance' ? 'server_busy' : 'too_many_concurrent_requests', headers: { 'retry-after': String(retryAfterSeconds) } },
  );

/** Arrays and plain objects only: a streamed pass-through body (a Readable) is not JSON and is not walked. */
function isJsonContainer(v: unknown): v is object {
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return true;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Nesting depth of a parsed JSON value, iteratively (no recursion: the input is hostile), stopping past `max`. */
export function jsonDepthExceeds(value: unknown, max: number): boolean {
  const stack: { v: unknown; d: number }[] = [{ v: value, d: 0 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop() as { v: unknown; d: number };
    if (!isJsonContainer(v)) continue;
    if (d >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (isJsonContainer(child)) stack.push({ v: child, d: d + 1 });
    }
  }
  return false;
}

/** Rate-limit key: the tenant (hashed client key) when there is one, else the client address. */
const rateLimitKey = (request: FastifyRequest): string => (request.tenant !== 'anonymous' ? request.tenant : `ip:${request.ip}`);

/**
 * Installs the limits on the `/v1` scope. `identify` sets `request.tenant` (the key check, `authenticator`) or
 * returns the error to answer with; it runs first, in the same onRequest hook. Returns the in-flight counter.
 */
export async function installLoadShedding(
  scope: FastifyInstance,
  config: Config,
  identify: (request: FastifyRequest) => Error | undefined = () => undefined,
): Promise<InFlightLimiter> {
  const limits = config.limits;
  const limiter = new InFlightLimiter(limits.maxInFlight, limits.maxInFlightPerTenant);

  // perf: one callback hook for the key check and the in-flight bound (each hook is a step of fastify's hook
  // runner; an async one adds a promise and a microtask hop); errors go to `done` as a throw would.
  scope.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const refused = identify(request);
    if (refused !== undefined) {
      done(refused);
      return;
    }
    const tenant = request.tenant;
    const verdict = limiter.acquire(tenant);
    if (verdict !== 'ok') {
      done(tooBusy(verdict, limits.retryAfterSeconds));
      return;
    }
    // 'close' fires once for every response, finished, hijacked (streams) or cut: the slot is always returned.
    // (`on`, not `once`: it fires once anyway, and `once` wraps the listener in another closure per request.)
    reply.raw.on('close', () => limiter.release(tenant));
    done();
  });

  scope.addHook('preValidation', (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
    // A remembered request (the prepared-request memo: these exact bytes were parsed and checked before) skips the walk.
    const remembered = (request as { prepared?: unknown }).prepared;
    if ((remembered === undefined || remembered === null) && typeof request.body === 'object' && request.body !== null && jsonDepthExceeds(request.body, limits.maxJsonDepth)) {
      done(new GatewayError(400, `The request body is nested deeper than ${limits.maxJsonDepth} levels.`, { code: 'nesting_too_deep' }));
      return;
    }
    done();
  });

  if (limits.maxEventLoopDelayMs > 0) {
    await scope.register(underPressure, {
      maxEventLoopDelay: limits.maxEventLoopDelayMs,
      retryAfter: limits.retryAfterSeconds,
      // Constructed once by the plugin and passed to our error handler, which writes the OpenAI shape.
      customError: class OverloadedError extends GatewayError {
        constructor() {
          super(503, 'The gateway is overloaded. Please retry shortly.', { code: 'server_overloaded' });
        }
      },
    });
  }

  if (limits.rateLimit.max > 0) {
    let redis: Redis | undefined;
    if (config.redis.url !== undefined) {
      // Fail fast, as the other stores on the request path: with an offline queue, every request waited in this
      // hook for a reconnect attempt to fail (seconds, once the back-off had grown) before the limit was skipped.
      redis = newRedis(config.redis.url, { ...failFastRedisOptions(config.cache.redisTimeoutMs), keyPrefix: `${config.redis.keyPrefix}rl:` });
      // Errors surface per command (and fail open below); an 'error' listener keeps them from crashing the process.
      redis.on('error', () => {});
      // Without an offline queue, a command sent before the connection is up is skipped (unlimited): wait briefly
      // for it at startup, as the cache does; startup never blocks on a missing Redis.
      await waitForRedis(redis, 1_000);
      scope.addHook('onClose', async () => {
        redis?.disconnect();
      });
    }
    await scope.register(rateLimit, {
      global: true,
      max: limits.rateLimit.max,
      timeWindow: limits.rateLimit.timeWindowMs,
      keyGenerator: rateLimitKey,
      // A Redis outage must not take the API down with it: requests pass unlimited until it is back.
      skipOnError: true,
      ...(redis !== undefined ? { redis } : {}),
      errorResponseBuilder: (_request, context) =>
        new GatewayError(context.statusCode, `Rate limit reached: ${context.max} requests per ${context.after}. Please retry after the time in Retry-After.`, {
          code: 'rate_limit_exceeded',
        }),
    });
  }
  return limiter;
}

/**
 * Node's own answer to an oversized header block or a malformed request is a bare status line; this writes the
 * OpenAI error shape instead (fastify `clientErrorHandler`).
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify(
    new GatewayError(status, tooLarge ? 'Request headers are too large.' : 'Malformed HTTP request.', {
      type: 'invalid_request_error',
      code: tooLarge ? 'request_headers_too_large' : 'bad_request',
    }).toJSON(),
  );
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * Reads and discards what is left of a request body, up to `maxBytes` or `maxMs`, whichever comes first.
 * Sent before the body was read, a 413 followed by a closed connection never reaches a client that writes the
 * whole body before it reads the answer (undici fetch, hence the openai SDK): it sees EPIPE, a connection error,
 * and retries the upload. Resolves when the body ended, a bound was reached or the connection closed; never rejects.
 */
export function drainRequestBody(raw: IncomingMessage, bounds: { maxBytes: number; maxMs: number }): Promise<void> {
  if (raw.complete || raw.readableEnded || raw.destroyed || bounds.maxBytes === 0 || bounds.maxMs === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let read = 0;
    const done = (): void => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', done);
      raw.off('close', done);
      raw.off('error', done);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      read += chunk.length;
      if (read >= bounds.maxBytes) done();
    };
    const timer = setTimeout(done, bounds.maxMs);
    raw.on('data', onData);
    raw.on('end', done);
    raw.on('close', done);
    raw.on('error', done);
    raw.resume();
  });
}
