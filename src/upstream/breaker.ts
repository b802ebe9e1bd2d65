/**
 * Circuit breaker for one upstream: closed (all pass) → open (none pass, for a cool-down) → half-open (one trial
 * passes; its success closes, its failure re-opens). Opens on the error rate over a sliding window of time
 * buckets, once the window holds enough outcomes. Pure: the clock is injected.
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerPolicy {
  enabled: boolean;
  errorRate: number;
  windowMs: number;
  minRequests: number;
  cooldownMs: number;
}

export interface BreakerSnapshot {
  state: BreakerState;
  /** Outcomes in the current window. */
  requests: number;
  failures: number;
  /** ms until a trial request is let through (open state only). */
  retryInMs: number | null;
  /** Times the breaker opened since start. */
  opened: number;
}

/** Ten buckets per window: old outcomes age out in steps of a tenth of the window, memory stays constant. */
const BUCKETS = 10;

interface Bucket {
  start: number;
  ok: number;
  failed: number;
}

export class CircuitBreaker {
  private readonly buckets: Bucket[] = [];
  private readonly bucketMs: number;
  private current: BreakerState = 'closed';
  private openedAt = 0;
  private trialStartedAt: number | null = null;
  private openedCount = 0;

  constructor(
    private readonly policy: BreakerPolicy,
    private readonly now: () => number = Date.now,
  ) {
    this.bucketMs = Math.max(1, Math.ceil(policy.windowMs / BUCKETS));
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.policy.cooldownMs) this.current = 'half-open';
    return this.current;
  }

  /**
   * May a request go to this upstream now? In half-open, one trial at a time; a trial that never reports
   * (its client went away) is presumed lost after a cool-down, so the breaker cannot stick half-open.
   */
  tryAcquire(): boolean {
    if (!this.policy.enabled) return true;
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open') return false;
    const now = this.now();
    if (this.trialStartedAt !== null && now - this.trialStartedAt < this.policy.cooldownMs) return false;
    this.trialStartedAt = now;
    return true;
  }

  onSuccess(): void {
    if (!this.policy.enabled) return;
    if (this.state === 'half-open') {
      this.close();
      return;
    }
    this.bucket().ok++;
  }

  onFailure(): void {
    if (!this.policy.enabled) return;
    const state = this.state;
    if (state === 'half-open') {
      this.open();
      return;
    }
    if (state === 'open') return;
    this.bucket().failed++;
    const { requests, failures } = this.totals();
    if (requests >= this.policy.minRequests && failures / requests >= this.policy.errorRate) this.open();
  }

  /** ms until the breaker lets a trial through; 0 when it lets requests through now. */
  retryInMs(): number {
    return this.state === 'open' ? Math.max(0, this.policy.cooldownMs - (this.now() - this.openedAt)) : 0;
  }

  snapshot(): BreakerSnapshot {
    const { requests, failures } = this.totals();
    const state = this.state;
    return { state, requests, failures, retryInMs: state === 'open' ? this.retryInMs() : null, opened: this.openedCount };
  }

  private open(): void {
    this.current = 'open';
    this.openedAt = this.now();
    this.trialStartedAt = null;
    this.openedCount++;
  }

  private close(): void {
    this.current = 'closed';
    this.trialStartedAt = null;
    this.buckets.length = 0;
  }

  private bucket(): Bucket {
    const now = this.now();
    const start = now - (now % this.bucketMs);
    const last = this.buckets[this.buckets.length - 1];
    if (last !== undefined && last.start === start) return last;
    const fresh: Bucket = { start, ok: 0, failed: 0 };
    this.buckets.push(fresh);
    this.prune(now);
    return fresh;
  }

  private prune(now: number): void {
    while (this.buckets.length > 0 && (this.buckets[0] as Bucket).start <= now - this.policy.windowMs) this.buckets.shift();
  }

  private totals(): { requests: number; failures: number } {
    this.prune(this.now());
    let requests = 0;
    let failures = 0;
    for (const b of this.buckets) {
      requests += b.ok + b.failed;
      failures += b.failed;
    }
    return { requests, failures };
  }
}

/** The getter metrics and /readyz read: each upstream's breaker, by tier. */
export function breakerStates<T extends string>(upstreams: Record<T, { breaker: CircuitBreaker }>): Record<T, BreakerSnapshot> {
  const out = {} as Record<T, BreakerSnapshot>;
  for (const tier of Object.keys(upstreams) as T[]) out[tier] = upstreams[tier].breaker.snapshot();
  return out;
}
