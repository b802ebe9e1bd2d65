import type { Tier } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import type { UpstreamClient, UpstreamResponse } from './client.js';
import { isRetryable, retryAfterFailure, systemRetryDeps, type RetryDeps } from './retry.js';

/**
 * One chat call made resilient, everything before the first byte reaches the client: the chosen upstream
 * through its breaker with retries, then (when config allows) the other tier. Whatever this returns has answered
 * 2xx headers and nothing has been sent to the client yet; after that no retry or fallback happens.
 */

export interface FallbackPolicy {
  reasoningToDirect: boolean;
  directToReasoning: boolean;
}

export interface ServedCall {
  /** The upstream that answered (the other tier when `fallback`). */
  client: UpstreamClient;
  res: UpstreamResponse;
  /** The body as adapted for `client`. */
  body: Record<string, unknown>;
  fallback: boolean;
  attempts: number;
}

export interface ResilientCallOptions {
  route: Tier;
  upstreams: Record<Tier, UpstreamClient>;
  fallback: FallbackPolicy;
  /** Adapts the request for an upstream (model, params, history): a fallback needs its own body. */
  bodyFor: (client: UpstreamClient) => Record<string, unknown>;
  signal: AbortSignal;
  deps?: RetryDeps;
}

const otherTier = (tier: Tier): Tier => (tier === 'reasoning' ? 'direct' : 'reasoning');

export const fallbackAllowed = (from: Tier, policy: FallbackPolicy): boolean =>
  from === 'reasoning' ? policy.reasoningToDirect : policy.directToReasoning;

/** Failures that say "this upstream cannot serve now" (worth the other tier), not "this request is wrong". */
export function upstreamFailed(err: unknown): boolean {
  if (!(err instanceof GatewayError)) return false;
  return err.status >= 500 || err.status === 429 || isRetryable(err);
}

/** Failures the breaker counts: the upstream's health, never the client's mistakes. */
export const countsAgainstBreaker = (err: unknown): boolean => upstreamFailed(err) && !(err instanceof GatewayError && err.code === 'upstream_circuit_open');

function circuitOpen(client: UpstreamClient): GatewayError {
  const seconds = Math.max(1, Math.ceil(client.breaker.retryInMs() / 1000));
  return new GatewayError(503, `${client.tier} upstream is failing; requests to it are paused for ${seconds} s`, {
    code: 'upstream_circuit_open',
    headers: { 'retry-after': String(seconds) },
  });
}

/** One attempt through the breaker: its outcome is recorded (a client that went away says nothing of the upstream). */
function attemptOnce(client: UpstreamClient, body: Record<string, unknown>, signal: AbortSignal): Promise<UpstreamResponse> {
  return client.chat(body, signal).then(
    (res) => {
      client.breaker.onSuccess();
      return res;
    },
    (err: unknown) => {
      if (countsAgainstBreaker(err) && !signal.aborted) client.breaker.onFailure();
      throw err;
    },
  );
}

/** The chosen upstream with retries behind its breaker; rejects with its last error. */
function callOne(client: UpstreamClient, body: Record<string, unknown>, opts: ResilientCallOptions, fallback: boolean): Promise<ServedCall> {
  if (!client.breaker.tryAcquire()) return Promise.reject(circuitOpen(client));
  const deps = opts.deps ?? systemRetryDeps;
  const startedAt = deps.now();
  // perf: the first attempt is a plain promise chain; the retry loop (async, with its timers) starts only after a
  // failure. Nearly every request succeeds first time, and each async layer cost a promise and a microtask hop.
  return attemptOnce(client, body, opts.signal).then(
    (res): ServedCall => ({ client, res, body, fallback, attempts: 1 }),
    async (err: unknown): Promise<ServedCall> => {
      let attempts = 1;
      const res = await retryAfterFailure(
        err,
        startedAt,
        (n) => {
          attempts = n;
          return attemptOnce(client, body, opts.signal);
        },
        client.config.retry,
        opts.signal,
        { deps, canContinue: () => client.breaker.state === 'closed' },
      );
      return { client, res, body, fallback, attempts };
    },
  );
}

/**
 * The routed upstream (retries, breaker), then the other tier when the policy allows and the first failed in a way
 * that says "this upstream cannot serve now". Resolves with the call that answered 2xx headers.
 */
export function resilientChat(opts: ResilientCallOptions): Promise<ServedCall> {
  const primary = opts.upstreams[opts.route];
  let primaryBody: Record<string, unknown>;
  try {
    primaryBody = opts.bodyFor(primary);
  } catch (err) {
    return Promise.reject(err);
  }
  const primaryCall = callOne(primary, primaryBody, opts, false);
  if (!fallbackAllowed(opts.route, opts.fallback)) return primaryCall;
  return primaryCall.catch((primaryError: unknown) => {
    if (opts.signal.aborted || !upstreamFailed(primaryError)) throw primaryError;
    const secondary = opts.upstreams[otherTier(opts.route)];
    return callOne(secondary, opts.bodyFor(secondary), opts, true).catch((err: unknown) => {
      // Both failed: the client hears about the upstream it asked for, which is the one it can reason about.
      if (opts.signal.aborted) throw err;
      throw primaryError;
    });
  });
}
