import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { GatewayError, UpstreamHttpError } from '../errors.js';
import type { Tier, UpstreamConfig } from '../config/schema.js';
import { isRecord } from '../core/types.js';
import { DeadlineSweep } from './abort.js';
import { CircuitBreaker } from './breaker.js';

/** Reasoning models think before their first byte: they get a longer default wait. */
const DEFAULT_FIRST_BYTE_MS: Record<Tier, number> = { reasoning: 300_000, direct: 60_000 };

/** An upstream response's `Content-Type`, lower-cased ('' when absent; repeated headers joined by commas). */
export const contentTypeOf = (res: UpstreamResponse): string => {
  const type = res.headers['content-type'];
  return (Array.isArray(type) ? type.join(',') : type ?? '').toLowerCase();
};

/** The upstream's answer is an HTML document (`text/html` or `application/xhtml+xml`). */
const isHtml = (res: UpstreamResponse): boolean => {
  const value = contentTypeOf(res);
  return value.includes('text/html') || value.includes('application/xhtml+xml');
};

const JSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json', accept: 'application/json' };
const STREAM_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json', accept: 'text/event-stream' };

const rejectWith = (err: GatewayError): never => {
  throw err;
};

export interface UpstreamResponse {
  statusCode: number;
  headers: Dispatcher.ResponseData['headers'];
  body: Readable & Dispatcher.BodyMixin;
}

/**
 * One upstream: a keep-alive undici Pool, its credentials and its base path.
 * The client's key never reaches here; the upstream's own key is added to every request.
 */
export class UpstreamClient {
  readonly pool: Pool;
  readonly basePath: string;
  readonly origin: string;
  private readonly authHeaders: Record<string, string>;
  private readonly chatPath: string;
  private readonly chatHeaders: { json: Readonly<Record<string, string>>; stream: Readonly<Record<string, string>> };
  /** Health of this upstream as seen by chat calls; read by /readyz and metrics. */
  readonly breaker: CircuitBreaker;
  /** The total-time limit (`timeouts.totalMs`) of calls routed to this upstream, in flight. */
  readonly deadlines: DeadlineSweep;

  constructor(
    readonly tier: Tier,
    readonly config: UpstreamConfig,
  ) {
    const url = new URL(config.baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(this.origin, {
      connections: config.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      connect: { timeout: config.timeouts.connectMs },
      headersTimeout: this.firstByteMs,
      bodyTimeout: config.timeouts.idleMs,
    });
    this.breaker = new CircuitBreaker(config.breaker);
    const totalMs = config.timeouts.totalMs;
    this.deadlines = new DeadlineSweep(totalMs, () => new GatewayError(504, `upstream did not finish within ${totalMs} ms`, { code: 'upstream_timeout' }));
    this.authHeaders = { ...config.headers };
    if (config.apiKey !== undefined) this.authHeaders.authorization = `Bearer ${config.apiKey}`;
    // The one endpoint answers are asked of: Chat Completions, or the Responses API for a native upstream.
    this.chatPath = `${this.basePath}${config.api === 'responses' ? '/responses' : '/chat/completions'}`;
    this.chatHeaders = { json: { ...JSON_HEADERS, ...this.authHeaders }, stream: { ...STREAM_HEADERS, ...this.authHeaders } };
  }

  get firstByteMs(): number {
    return this.config.timeouts.firstByteMs ?? DEFAULT_FIRST_BYTE_MS[this.tier];
  }

  get model(): string {
    return this.config.model;
  }

  /**
   * POSTs a chat request. HTTP errors from the upstream become UpstreamHttpError; transport failures 502/504.
   * perf: a promise chain on undici's own promise (an `async` method over another added a promise and a microtask
   * hop per request); the chat headers, with the upstream's credentials, are built once per client.
   */
  chat(body: Record<string, unknown>, signal: AbortSignal): Promise<UpstreamResponse> {
    let text: string;
    try {
      text = JSON.stringify(body);
    } catch (err) {
      return Promise.reject(err);
    }
    const headers = body.stream === true ? this.chatHeaders.stream : this.chatHeaders.json;
    return this.pool.request({ method: 'POST', path: this.chatPath, headers, body: text, signal }).then(
      (res) =>
        res.statusCode >= 400
          ? this.httpError(res as UpstreamResponse).then(rejectWith)
          : isHtml(res as UpstreamResponse)
            ? this.htmlAnswer(res as UpstreamResponse).then(rejectWith)
            : (res as UpstreamResponse),
      (err: unknown) => {
        throw this.transportError(err);
      },
    );
  }

  /**
   * A 2xx HTML page where a completion or an event stream belongs (a login page, a proxy's or load balancer's
   * notice): refused here, before anything reaches the client, so a stream request gets a JSON 502 (with retries
   * and fallback) rather than a 200 stream that ends in an error event.
   */
  private async htmlAnswer(res: UpstreamResponse): Promise<GatewayError> {
    try {
      await res.body.text();
    } catch {
      // Nothing to keep from it.
    }
    return new GatewayError(502, `${this.tier} upstream answered with an HTML page (HTTP ${res.statusCode}), not a chat completion: check its baseUrl`, { code: 'upstream_malformed' });
  }

  /** Any request relative to the upstream's base URL, for pass-through endpoints. */
  async request(opts: {
    method: Dispatcher.HttpMethod;
    path: string;
    headers: Readonly<Record<string, string>>;
    body?: string | Buffer | Readable | null;
    signal: AbortSignal;
  }): Promise<UpstreamResponse> {
    try {
      return (await this.pool.request({ method: opts.method, path: opts.path, headers: { ...opts.headers, ...this.authHeaders }, body: opts.body ?? null, signal: opts.signal })) as UpstreamResponse;
    } catch (err) {
      throw this.transportError(err);
    }
  }

  /** The upstream's own message passes through; its key never does. Its auth failures are ours, not the client's. */
  async httpError(res: UpstreamResponse): Promise<GatewayError> {
    let text = '';
    try {
      text = await res.body.text();
    } catch {
      // The body is best effort: the status alone is still an answer.
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const err = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : isRecord(parsed) ? parsed : {};
    const rawMessage = typeof err.message === 'string' ? err.message : `upstream returned HTTP ${res.statusCode}`;
    const message = this.redact(`${this.tier} upstream: ${rawMessage}`);
    if (res.statusCode === 401 || res.statusCode === 403) {
      return new GatewayError(502, this.redact(`${this.tier} upstream rejected the gateway's credentials (HTTP ${res.statusCode}): ${rawMessage}`), {
        code: 'upstream_auth_failed',
      });
    }
    const retryAfter = res.headers['retry-after'];
    return new UpstreamHttpError(
      res.statusCode,
      {
        message,
        type: typeof err.type === 'string' ? err.type : res.statusCode >= 500 ? 'upstream_error' : 'invalid_request_error',
        param: typeof err.param === 'string' ? err.param : null,
        code: typeof err.code === 'string' ? err.code : typeof err.code === 'number' ? String(err.code) : null,
      },
      typeof retryAfter === 'string' ? retryAfter : undefined,
    );
  }

  transportError(err: unknown): unknown {
    if (err instanceof GatewayError) return err;
    if (err instanceof Error && err.name === 'AbortError') return err;
    if (err instanceof undiciErrors.ConnectTimeoutError) {
      // Its own code: the request never reached the model, so a retry is safe (see retry.ts).
      return new GatewayError(504, `${this.tier} upstream did not accept a connection within ${this.config.timeouts.connectMs} ms`, {
        code: 'upstream_connect_timeout',
        cause: err,
      });
    }
    if (err instanceof undiciErrors.HeadersTimeoutError) {
      return new GatewayError(504, `${this.tier} upstream sent no response within ${this.firstByteMs} ms`, { code: 'upstream_timeout', cause: err });
    }
    if (err instanceof undiciErrors.BodyTimeoutError) {
      return new GatewayError(504, `${this.tier} upstream sent nothing for ${this.config.timeouts.idleMs} ms`, { code: 'upstream_timeout', cause: err });
    }
    if (err instanceof undiciErrors.RequestAbortedError) return err;
    if (isConnectionLoss(err)) {
      // Reached, then closed before any answer: most often a pooled keep-alive connection the server had let go.
      return new GatewayError(502, `${this.tier} upstream closed the connection before answering`, { code: 'upstream_connection_closed', cause: err });
    }
    return new GatewayError(502, `${this.tier} upstream unreachable`, { code: 'upstream_unreachable', cause: err });
  }

  /**
   * A failure while reading an answer that had already begun (status and headers received): the upstream was
   * reachable and answering, so this is never "unreachable". A reset or close is a cut answer; a stall the idle
   * timeout. Aborts pass through unchanged.
   */
  bodyError(err: unknown, what: 'stream' | 'response'): unknown {
    if (err instanceof GatewayError) return err;
    if (err instanceof Error && err.name === 'AbortError') return err;
    if (err instanceof undiciErrors.RequestAbortedError) return err;
    if (err instanceof undiciErrors.BodyTimeoutError) {
      return new GatewayError(504, `${this.tier} upstream sent nothing for ${this.config.timeouts.idleMs} ms`, { code: 'upstream_timeout', cause: err });
    }
    const code = `upstream_${what}_cut`;
    if (isConnectionLoss(err)) {
      return new GatewayError(502, `${this.tier} upstream closed the connection before the answer was complete`, { code, cause: err });
    }
    return new GatewayError(502, `${this.tier} upstream failed while sending its answer`, { code: `upstream_${what}_error`, cause: err });
  }

  /**
   * An upstream's text with the gateway's secrets taken out: the key and header values themselves, and any masked
   * form of a key a provider quotes back (OpenAI: `sk-proj-ab****wxyz`, DeepSeek: `****wxyz`), whose visible ends
   * are still pieces of the operator's key. Both become `***`.
   */
  redact(text: string): string {
    let out = text;
    for (const secret of [this.config.apiKey, ...Object.values(this.config.headers)]) {
      if (secret !== undefined && secret.length >= 4) out = out.split(secret).join('***');
    }
    return out.replace(MASKED_SECRET, '***');
  }

  close(): Promise<void> {
    this.deadlines.close();
    return this.pool.close();
  }
}

/** A word with a run of three or more asterisks in it: how providers quote a key they hide in part. */
const MASKED_SECRET = /[\w-]*\*{3,}[\w*-]*/g;

const CONNECTION_LOSS_CODES: ReadonlySet<string> = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_CLOSED']);

/** A socket closed or reset under a response (undici's SocketError, or the system error it wraps). */
function isConnectionLoss(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof undiciErrors.SocketError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_LOSS_CODES.has(code)) return true;
    if (e.message === 'terminated') return true;
  }
  return false;
}
