import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backoffDelay, isRetryable, nextDelay, parseRetryAfter, withRetries, type RetryDeps, type RetryPolicy } from '../../src/upstream/retry.js';
import { CircuitBreaker, type BreakerPolicy } from '../../src/upstream/breaker.js';
import { InFlightLimiter } from '../../src/http/limits.js';
import { GatewayError, UpstreamHttpError } from '../../src/errors.js';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, budgetMs: 10_000 };
const http = (status: number, retryAfter?: string): UpstreamHttpError =>
  new UpstreamHttpError(status, { message: 'x', type: 'server_error', param: null, code: null }, retryAfter);

describe('retry policy', () => {
  it('retries connection errors, 429 and 5xx; not 4xx, first-byte timeouts, or anything else', () => {
    expect(isRetryable(http(429))).toBe(true);
    expect(isRetryable(http(500))).toBe(true);
    expect(isRetryable(http(503))).toBe(true);
    expect(isRetryable(http(400))).toBe(false);
    expect(isRetryable(http(404))).toBe(false);
    expect(isRetryable(new GatewayError(502, 'x', { code: 'upstream_unreachable' }))).toBe(true);
    expect(isRetryable(new GatewayError(502, 'x', { code: 'upstream_connection_closed' }))).toBe(true);
    expect(isRetryable(new GatewayError(504, 'x', { code: 'upstream_connect_timeout' }))).toBe(true);
    expect(isRetryable(new GatewayError(504, 'x', { code: 'upstream_timeout' }))).toBe(false);
    expect(isRetryable(new GatewayError(502, 'x', { code: 'upstream_auth_failed' }))).toBe(false);
    expect(isRetryable(new Error('boom'))).toBe(false);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2', 0)).toBe(2_000);
    expect(parseRetryAfter('0.5', 0)).toBe(500);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:03 GMT', now)).toBe(3_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('backoff is exponential with full jitter, capped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 0.9999, noNaN: true }), (retry, r) => {
        const d = backoffDelay(retry, policy, r);
        const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
        return d >= 0 && d <= ceiling;
      }),
    );
    expect(backoffDelay(1, policy, 0.999)).toBe(99);
    expect(backoffDelay(3, policy, 0.999)).toBe(399);
    expect(backoffDelay(10, policy, 0.999)).toBe(999);
  });

  it('Retry-After wins over backoff; a wait past maxDelayMs, the budget or attempts past the bound stops', () => {
    expect(nextDelay(http(429, '0.8'), 1, policy, 0, 0.5, 0)).toBe(800);
    // Longer than we would back off: the 429 goes back to the client with its Retry-After.
    expect(nextDelay(http(429, '3'), 1, policy, 0, 0.5, 0)).toBeNull();
    const patient = { ...policy, maxDelayMs: 60_000 };
    expect(nextDelay(http(429, '3'), 1, patient, 0, 0.5, 0)).toBe(3_000);
    expect(nextDelay(http(429, '30'), 1, patient, 0, 0.5, 0)).toBeNull();
    expect(nextDelay(http(500), 4, policy, 0, 0.5, 0)).toBeNull();
    expect(nextDelay(http(500), 1, policy, 9_990, 0.5, 0)).toBeNull();
    expect(nextDelay(http(400), 1, policy, 0, 0.5, 0)).toBeNull();
  });

  const fakeDeps = (): RetryDeps & { slept: number[] } => {
    let t = 0;
    const slept: number[] = [];
    return {
      slept,
      now: () => t,
      random: () => 0.5,
      sleep: async (ms) => {
        slept.push(ms);
        t += ms;
      },
    };
  };

  it('withRetries: retries until success, sleeping the computed delays', async () => {
    const deps = fakeDeps();
    let calls = 0;
    const out = await withRetries(
      async () => {
        calls++;
        if (calls < 3) throw http(calls === 1 ? 503 : 429, calls === 2 ? '1' : undefined);
        return 'ok';
      },
      policy,
      new AbortController().signal,
      { deps },
    );
    expect(out).toBe('ok');
    expect(calls).toBe(3);
    expect(deps.slept).toEqual([50, 1_000]);
  });

  it('withRetries: gives up after maxAttempts with the last error, and never retries a non-retryable one', async () => {
    const deps = fakeDeps();
    let calls = 0;
    await expect(withRetries(async () => { calls++; throw http(500); }, policy, new AbortController().signal, { deps })).rejects.toBeInstanceOf(UpstreamHttpError);
    expect(calls).toBe(4);
    calls = 0;
    await expect(withRetries(async () => { calls++; throw http(401); }, policy, new AbortController().signal, { deps })).rejects.toBeInstanceOf(UpstreamHttpError);
    expect(calls).toBe(1);
  });

  it('withRetries: stops when canContinue says no (breaker opened) or the signal aborts', async () => {
    let calls = 0;
    await expect(withRetries(async () => { calls++; throw http(500); }, policy, new AbortController().signal, { deps: fakeDeps(), canContinue: () => false })).rejects.toThrow();
    expect(calls).toBe(1);
    const ctl = new AbortController();
    calls = 0;
    await expect(withRetries(async () => { calls++; ctl.abort(); throw http(500); }, policy, ctl.signal, { deps: fakeDeps() })).rejects.toThrow();
    expect(calls).toBe(1);
  });
});

describe('circuit breaker', () => {
  const bp: BreakerPolicy = { enabled: true, errorRate: 0.5, windowMs: 10_000, minRequests: 4, cooldownMs: 1_000 };
  const clock = (): { now: () => number; advance: (ms: number) => void } => {
    let t = 1_000_000;
    return { now: () => t, advance: (ms) => (t += ms) };
  };

  it('stays closed below minRequests, opens at the error rate', () => {
    const c = clock();
    const b = new CircuitBreaker(bp, c.now);
    b.onFailure();
    b.onFailure();
    b.onFailure();
    expect(b.state).toBe('closed');
    b.onSuccess();
    expect(b.state).toBe('closed');
    b.onFailure();
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBe(false);
    expect(b.snapshot().opened).toBe(1);
  });

  it('half-open lets exactly one trial through; success closes, failure re-opens', () => {
    const c = clock();
    const b = new CircuitBreaker({ ...bp, minRequests: 1 }, c.now);
    b.onFailure();
    expect(b.state).toBe('open');
    expect(b.retryInMs()).toBe(1_000);
    c.advance(1_000);
    expect(b.state).toBe('half-open');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    b.onFailure();
    expect(b.state).toBe('open');
    c.advance(1_000);
    expect(b.tryAcquire()).toBe(true);
    b.onSuccess();
    expect(b.state).toBe('closed');
    expect(b.snapshot().requests).toBe(0);
  });

  it('a trial that never reports is presumed lost after a cool-down', () => {
    const c = clock();
    const b = new CircuitBreaker({ ...bp, minRequests: 1 }, c.now);
    b.onFailure();
    c.advance(1_000);
    expect(b.tryAcquire()).toBe(true);
    c.advance(999);
    expect(b.tryAcquire()).toBe(false);
    c.advance(1);
    expect(b.tryAcquire()).toBe(true);
  });

  it('old outcomes leave the window', () => {
    const c = clock();
    const b = new CircuitBreaker(bp, c.now);
    for (let i = 0; i < 3; i++) b.onFailure();
    c.advance(10_001);
    b.onFailure();
    expect(b.snapshot().requests).toBe(1);
    expect(b.state).toBe('closed');
  });

  it('disabled: always lets through and never opens', () => {
    const b = new CircuitBreaker({ ...bp, enabled: false, minRequests: 1 });
    for (let i = 0; i < 10; i++) b.onFailure();
    expect(b.tryAcquire()).toBe(true);
    expect(b.state).toBe('closed');
  });

  it('property: never opens with fewer than minRequests outcomes or an error rate under the threshold', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 60 }), (outcomes) => {
        const c = clock();
        const b = new CircuitBreaker(bp, c.now);
        let ok = 0;
        let failed = 0;
        for (const success of outcomes) {
          if (b.state !== 'closed') return true;
          if (success) { b.onSuccess(); ok++; } else { b.onFailure(); failed++; }
          const n = ok + failed;
          const state: string = b.state;
          if (state === 'open' && (n < bp.minRequests || failed / n < bp.errorRate)) return false;
        }
        return true;
      }),
    );
  });
});

describe('in-flight limiter', () => {
  it('bounds per tenant and per instance, releases, and forgets idle tenants', () => {
    const l = new InFlightLimiter(3, 2);
    expect(l.acquire('a')).toBe('ok');
    expect(l.acquire('a')).toBe('ok');
    expect(l.acquire('a')).toBe('tenant');
    expect(l.acquire('b')).toBe('ok');
    expect(l.acquire('c')).toBe('instance');
    l.release('a');
    expect(l.acquire('c')).toBe('ok');
    l.release('a');
    l.release('b');
    l.release('c');
    expect(l.inFlight).toBe(0);
    l.release('zzz');
    expect(l.inFlight).toBe(0);
    expect(l.inFlightOf('a')).toBe(0);
  });

  it('0 means unbounded', () => {
    const l = new InFlightLimiter(0, 0);
    for (let i = 0; i < 1_000; i++) expect(l.acquire('t')).toBe('ok');
  });
});
