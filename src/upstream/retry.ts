import { GatewayError, UpstreamHttpError } from '../errors.js';

/**
 * Retries of one upstream call, before any byte reached the client. The policy maths (which errors, how long to
 * wait) is pure; `withRetries` is the loop, with clock, sleep and randomness injectable so tests need no timers.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Waiting + attempts beyond this are not started: the answer is the last error. */
  budgetMs: number;
}

/**
 * Transport failures before any answer, where the request surely or probably never reached the model: safe to send
 * again. A connection closed before answering is most often a stale keep-alive connection the server had closed.
 */
const RETRYABLE_CODES = new Set(['upstream_unreachable', 'upstream_connect_timeout', 'upstream_connection_closed']);

/**
 * Connection errors, 429 and 5xx. Not: a first-byte or idle timeout (a reasoning model that thought for minutes
 * should not be asked to think again), client errors (4xx other than 429), the gateway's own credential failure.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof UpstreamHttpError) return err.status === 429 || err.status >= 500;
  return err instanceof GatewayError && err.code !== null && RETRYABLE_CODES.has(err.code);
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Exponential backoff with full jitter: uniform in [0, min(max, base·2^(retry-1))]. `random` in [0, 1). */
export function backoffDelay(retry: number, policy: RetryPolicy, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random * ceiling);
}

/**
 * How long to wait before retry number `retry` (1-based) after `err`, or null to stop. The upstream's
 * `Retry-After` wins over our backoff (it knows its own load) up to `maxDelayMs`; a wait that would overrun the
 * budget stops.
 */
export function nextDelay(
  err: unknown,
  retry: number,
  policy: RetryPolicy,
  elapsedMs: number,
  random: number,
  now: number,
): number | null {
  if (retry >= policy.maxAttempts || !isRetryable(err)) return null;
  const hinted = err instanceof UpstreamHttpError ? parseRetryAfter(err.retryAfter, now) : undefined;
  // A hint longer than we would ever back off goes back to the client (with its Retry-After) to decide.
  if (hinted !== undefined && hinted > policy.maxDelayMs) return null;
  const delay = hinted ?? backoffDelay(retry, policy, random);
  return elapsedMs + delay >= policy.budgetMs ? null : delay;
}

export interface RetryDeps {
  now: () => number;
  random: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

export const abortableSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

export const systemRetryDeps: RetryDeps = { now: () => Date.now(), random: Math.random, sleep: abortableSleep };

export interface RetryOptions {
  deps?: RetryDeps;
  canContinue?: () => boolean;
  onRetry?: (err: unknown, delayMs: number) => void;
}

/**
 * Runs `attempt` until it succeeds, the error is not retryable, attempts or budget run out, `canContinue`
 * says no (an opened breaker) or `signal` aborts. The last error is thrown as is.
 */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy, signal: AbortSignal, opts: RetryOptions = {}): Promise<T> {
  const startedAt = (opts.deps ?? systemRetryDeps).now();
  try {
    return await attempt(1);
  } catch (err) {
    return retryAfterFailure(err, startedAt, attempt, policy, signal, opts);
  }
}

/**
 * The retries after a first attempt (started at `startedAt` on the deps' clock) failed with `firstError`: what
 * `withRetries` does from its first failure on. perf: a caller makes its first attempt itself, with no async
 * layer around it, and comes here only when it failed (the rare case).
 */
export async function retryAfterFailure<T>(
  firstError: unknown,
  startedAt: number,
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal,
  opts: RetryOptions = {},
): Promise<T> {
  const deps = opts.deps ?? systemRetryDeps;
  let err = firstError;
  for (let n = 1; ; n++) {
    if (signal.aborted) throw err;
    const delay = nextDelay(err, n, policy, deps.now() - startedAt, deps.random(), deps.now());
    if (delay === null || (opts.canContinue !== undefined && !opts.canContinue())) throw err;
    opts.onRetry?.(err, delay);
    await deps.sleep(delay, signal);
    try {
      return await attempt(n + 1);
    } catch (next) {
      err = next;
    }
  }
}
