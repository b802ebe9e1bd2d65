import type { RequestRecord } from '../core/record.js';
import type { Accounting } from './accounting.js';
import { aggregate, type Breakdown } from './aggregate.js';
import { incrementsOf, rejectedIncrements, type CellIncrements } from './cells.js';
import { nanoToUsd } from './prices.js';
import { baseBefore, runningSeries, sumOf, valuesOf, zeroValues, type Series, type Slot } from './series.js';
import type { BucketRef, LedgerStore, RecentRequest } from './store.js';

/** Slots per window: a window of W seconds is kept as 60 slots of W/60, so "last hour" moves by the minute. */
export const WINDOW_SLOTS = 60;

const DAY_MS = 86_400_000;

export interface LedgerSnapshot {
  /** When the store's totals start, if it knows (a shared store); see LedgerStore.since. */
  since: string | null;
  cumulative: Breakdown;
  windows: Record<string, Breakdown & { seconds: number }>;
  recent: RecentRequest[];
}

interface WindowSpec {
  name: string;
  seconds: number;
  slotMs: number;
}

/**
 * Cumulative and windowed totals per route, tenant and model over a `LedgerStore`. Writes are fire-and-forget
 * from the request's point of view (a slow Redis never delays an answer); `flush()` waits for them, so a replica
 * always sees its own writes in its stats.
 */
export class Ledger {
  private readonly windows: WindowSpec[];
  private readonly pending = new Set<Promise<void>>();
  private buckets: BucketRef[] | null = null;
  private bucketsFrom = 0;
  private bucketsUntil = 0;

  /**
   * `historyDays`: how many UTC days of daily totals are kept for the "all time" chart (a bounded series: one
   * bucket per day, each expiring after that many days).
   */
  constructor(
    readonly store: LedgerStore,
    windows: Readonly<Record<string, number>>,
    private readonly onError: (err: unknown) => void,
    private readonly now: () => number = Date.now,
    private readonly historyDays = 400,
  ) {
    this.windows = Object.entries(windows)
      .map(([name, seconds]) => ({ name, seconds, slotMs: (seconds * 1000) / WINDOW_SLOTS }))
      .sort((a, b) => a.seconds - b.seconds);
  }

  record(record: RequestRecord, accounting: Accounting): void {
    const now = this.now();
    this.add(incrementsOf(record, accounting), now, () => recentRow(record, accounting, now));
  }

  /** A /v1 request refused before routing (no record): counted apart, as `rejected`, for its tenant. */
  recordRejected(tenant: string): void {
    this.add(rejectedIncrements(tenant), this.now(), null);
  }

  private add(increments: CellIncrements, now: number, recent: (() => RecentRequest) | null): void {
    let added: Promise<void> | void;
    try {
      added = this.store.add(increments, this.bucketsAt(now), recent);
    } catch (err) {
      this.onError(err);
      return;
    }
    // perf: a synchronous store (memory) is done already; only a real write (Redis) is tracked until it settles.
    if (added === undefined) return;
    const write = added.catch(this.onError).finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  /** Bucket refs for `now`: rebuilt only when a window moves to its next slot (every W/60 s), not per request. */
  private bucketsAt(now: number): BucketRef[] {
    if (this.buckets !== null && now >= this.bucketsFrom && now < this.bucketsUntil) return this.buckets;
    const buckets: BucketRef[] = [{ id: 'cumulative', ttlSeconds: null }];
    const day = Math.floor(now / DAY_MS);
    buckets.push({ id: `daily:${day}`, ttlSeconds: (this.historyDays + 1) * 86_400 });
    let from = day * DAY_MS;
    let until = (day + 1) * DAY_MS;
    for (const w of this.windows) {
      const slot = Math.floor(now / w.slotMs);
      buckets.push({ id: `${w.name}:${slot}`, ttlSeconds: Math.ceil(w.seconds + w.slotMs / 1000) });
      from = Math.max(from, slot * w.slotMs);
      until = Math.min(until, (slot + 1) * w.slotMs);
    }
    this.buckets = buckets;
    this.bucketsFrom = from;
    this.bucketsUntil = until;
    return buckets;
  }

  /**
   * A request answered whose record is still being completed (its tokens counted with the tokenizer, which loads on
   * first need) before it is recorded: `flush()` waits for it too. Why: those requests were missing from the stats
   * of the very replica that had answered them until the count was done (the first ones for as long as the tokenizer
   * took to load), though a replica's stats are meant to include every request it answered.
   */
  track(completing: Promise<void>): void {
    const done = completing.catch(this.onError).finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
    // A record completed meanwhile (track) has just started its write: wait for that too. Two passes, not "until
    // empty", so a replica under steady traffic still answers its stats.
    if (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Totals for everyone, or for one tenant only (`tenant` set: what a client key may see). */
  async snapshot(tenant?: string): Promise<LedgerSnapshot> {
    await this.flush();
    const now = this.now();
    const [since, cumulative, recent, ...windowFields] = await Promise.all([
      this.store.since?.() ?? null,
      this.store.read(['cumulative']),
      this.store.recent(),
      ...this.windows.map((w) => this.store.read(windowSlotIds(w, now))),
    ]);
    const windows: LedgerSnapshot['windows'] = {};
    this.windows.forEach((w, i) => {
      windows[w.name] = { seconds: w.seconds, ...aggregate(windowFields[i] ?? new Map(), tenant) };
    });
    return {
      since,
      cumulative: aggregate(cumulative, tenant),
      windows,
      recent: tenant === undefined ? recent : recent.filter((r) => r.tenant === tenant),
    };
  }

  /**
   * Running totals over time for the dashboard: a configured window (`hour`, `day`: its 60 slots), or `all`: the
   * finest series that covers the whole history — the shortest window holding every request counted so far, else
   * the daily series (`historyDays` long), which starts from what was counted before it. Throws on an unknown name.
   */
  async series(name: string, tenant?: string): Promise<Series> {
    await this.flush();
    const now = this.now();
    if (name !== 'all') {
      const w = this.windows.find((x) => x.name === name);
      if (w === undefined) throw new Error(`unknown window "${name}"`);
      return runningSeries(name, await this.windowSlots(w, now, tenant), w.slotMs, zeroValues(), now, false);
    }
    const cumulative = aggregate(await this.store.read(['cumulative']), tenant).totals;
    const all = valuesOf(cumulative);
    for (const w of this.windows) {
      const slots = await this.windowSlots(w, now, tenant);
      const inWindow = sumOf(slots);
      if (inWindow.requests === all.requests && inWindow.rejected === all.rejected) return runningSeries('all', slots, w.slotMs, zeroValues(), now, true);
    }
    const today = Math.floor(now / DAY_MS);
    const ids = Array.from({ length: this.historyDays }, (_, i) => `daily:${today - this.historyDays + 1 + i}`);
    const fields = await this.store.readEach(ids);
    const slots: Slot[] = fields.map((f, i) => ({ startMs: (today - this.historyDays + 1 + i) * DAY_MS, totals: aggregate(f, tenant).totals }));
    return runningSeries('all', slots, DAY_MS, baseBefore(cumulative, slots), now, true);
  }

  private async windowSlots(w: WindowSpec, now: number, tenant: string | undefined): Promise<Slot[]> {
    const ids = windowSlotIds(w, now).reverse();
    const fields = await this.store.readEach(ids);
    const current = Math.floor(now / w.slotMs);
    return fields.map((f, i) => ({ startMs: (current - WINDOW_SLOTS + 1 + i) * w.slotMs, totals: aggregate(f, tenant).totals }));
  }
}

function windowSlotIds(w: WindowSpec, now: number): string[] {
  const current = Math.floor(now / w.slotMs);
  return Array.from({ length: WINDOW_SLOTS }, (_, i) => `${w.name}:${current - i}`);
}

function recentRow(r: RequestRecord, a: Accounting, now: number): RecentRequest {
  return {
    at: new Date(now).toISOString(),
    requestId: r.requestId,
    tenant: r.tenant,
    api: r.api,
    route: r.route,
    decision: r.decisionSource,
    score: Number(r.score.toFixed(4)),
    reasons: r.reasons.slice(0, 8),
    model: r.upstreamModel,
    cache: r.cache,
    status: r.status,
    latencyMs: Math.round(r.latencyMs),
    costUsd: nanoToUsd(a.costNano),
    savedCostUsd: nanoToUsd(a.savedCostNano),
    tokens: { prompt: a.upstreamTokens.prompt, completion: a.upstreamTokens.completion, reasoning: a.upstreamTokens.reasoning },
    usageEstimated: a.usageEstimated,
  };
}
