import type { Tier } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import type { UpstreamClient, UpstreamResponse } from './client.js';
import { isRetryable, systemRetryDeps, withRetries, type RetryDeps } from './retry.js';

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

/** The chosen upstream with retries behind its breaker; throws its last error. */
async function callOne(client: UpstreamClient, body: Record<string, unknown>, opts: ResilientCallOptions): Promise<{ res: UpstreamResponse; attempts: number }> {
  if (!client.breaker.tryAcquire()) throw circuitOpen(client);
  let attempts = 0;
  const res = await withRetries(
    async () => {
      attempts++;
      try {
        const res = await client.chat(body, opts.signal);
        client.breaker.onSuccess();
        return res;
      } catch (err) {
        if (countsAgainstBreaker(err) && !opts.signal.aborted) client.breaker.onFailure();
        throw err;
      }
    },
    client.config.retry,
    opts.signal,
    { deps: opts.deps ?? systemRetryDeps, canContinue: () => client.breaker.state === 'closed' },
  );
  return { res, attempts };
}

export async function resilientChat(opts: ResilientCallOptions): Promise<ServedCall> {
  const primary = opts.upstreams[opts.route];
  const primaryBody = opts.bodyFor(primary);
  let primaryError: unknown;
  try {
    const { res, attempts } = await callOne(primary, primaryBody, opts);
    return { client: primary, res, body: primaryBody, fallback: false, attempts };
  } catch (err) {
    if (opts.signal.aborted || !upstreamFailed(err) || !fallbackAllowed(opts.route, opts.fallback)) throw err;
    primaryError = err;
  }
  const secondary = opts.upstreams[otherTier(opts.route)];
  const secondaryBody = opts.bodyFor(secondary);
  try {
    const { res, attempts } = await callOne(secondary, secondaryBody, opts);
    return { client: secondary, res, body: secondaryBody, fallback: true, attempts };
  } catch (err) {
    // Both failed: the client hears about the upstream it asked for, which is the one it can reason about.
    if (opts.signal.aborted) throw err;
    throw primaryError;
  }
}
