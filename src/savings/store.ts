import { COUNTERS, LATENCY_EDGES_MS, type CellFields, type CellIncrements } from './cells.js';

/** One row of the dashboard's "recent requests" table. */
export interface RecentRequest {
  at: string;
  requestId: string;
  tenant: string;
  /** The wire API the client spoke. */
  api: string;
  route: string;
  decision: string;
  score: number;
  reasons: string[];
  model: string;
  cache: string;
  status: number;
  latencyMs: number;
  costUsd: number;
  savedCostUsd: number;
  tokens: { prompt: number; completion: number; reasoning: number };
  usageEstimated: boolean;
}

/**
 * A recent-request row, built when it is read. perf: formatting it (ISO date, rounding, copies) for every
 * request cost more than the rest of the memory ledger's write, and a memory ledger reads at most `recent` of them.
 */
export type RecentSource = () => RecentRequest;

/** A bucket the increments go into: `cumulative` (never expires) or a window slot that expires after `ttlSeconds`. */
export interface BucketRef {
  id: string;
  ttlSeconds: number | null;
}

/** Where ledger counters live: this process's memory, or Redis shared by every replica. */
export interface LedgerStore {
  readonly kind: 'memory' | 'redis';
  /** May complete synchronously (returns nothing) or asynchronously (returns the write). */
  add(increments: CellIncrements, buckets: readonly BucketRef[], recent: RecentSource | null): Promise<void> | void;
  /** The sum of the given buckets' fields. */
  read(bucketIds: readonly string[]): Promise<Map<string, number>>;
  /** Each bucket's fields on its own, in the order asked (a time series). */
  readEach(bucketIds: readonly string[]): Promise<Map<string, number>[]>;
  recent(): Promise<RecentRequest[]>;
  /**
   * ISO time the shared totals are counted from, when the store is shared (Redis: the first replica to connect to
   * this Redis, or the first after it came back empty); null when unknown. A memory store has none: its totals run
   * from the process's start.
   */
  since?(): Promise<string | null>;
  close(): Promise<void>;
}

/** One cell's sums in one bucket, positionally (COUNTERS order; latency buckets). */
interface CellSums {
  counters: Float64Array;
  latency: Float64Array;
}

/**
 * Single-replica store. Memory stays bounded: expired window slots are dropped on write, the recent list is capped.
 * Sums are kept per cell as numbers in position; field names are only spelled out when a snapshot is read.
 */
export class MemoryLedgerStore implements LedgerStore {
  readonly kind = 'memory';
  private readonly buckets = new Map<string, { cells: Map<CellFields, CellSums>; expiresAt: number | null }>();
  /** A ring of the last `recentLimit` rows (perf: `unshift` moved every kept row on every request). */
  private readonly recentRows: RecentSource[] = [];
  /** Where the next row goes in `recentRows`. */
  private recentNext = 0;

  constructor(
    private readonly recentLimit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Synchronous: nothing to wait for, so no promise per request (perf). */
  add(increments: CellIncrements, buckets: readonly BucketRef[], recent: RecentSource | null): void {
    const now = this.now();
    const add = increments.counters;
    for (const ref of buckets) {
      let bucket = this.buckets.get(ref.id);
      if (bucket === undefined) {
        bucket = { cells: new Map(), expiresAt: ref.ttlSeconds === null ? null : now + ref.ttlSeconds * 1000 };
        this.buckets.set(ref.id, bucket);
        this.prune(now);
      }
      // Keyed by the cell's shared field-name object: one map lookup per bucket, not one per counter.
      let sums = bucket.cells.get(increments.fields);
      if (sums === undefined) {
        sums = { counters: new Float64Array(COUNTERS.length), latency: new Float64Array(LATENCY_EDGES_MS.length + 1) };
        bucket.cells.set(increments.fields, sums);
      }
      const { counters, latency } = sums;
      for (let i = 0; i < add.length; i++) counters[i] = (counters[i] ?? 0) + (add[i] ?? 0);
      if (increments.latencyBucket >= 0) latency[increments.latencyBucket] = (latency[increments.latencyBucket] ?? 0) + 1;
    }
    if (recent !== null && this.recentLimit > 0) {
      this.recentRows[this.recentNext] = recent;
      this.recentNext = (this.recentNext + 1) % this.recentLimit;
    }
  }

  async read(bucketIds: readonly string[]): Promise<Map<string, number>> {
    const sum = new Map<string, number>();
    const put = (field: string, v: number): void => {
      if (v !== 0) sum.set(field, (sum.get(field) ?? 0) + v);
    };
    for (const id of bucketIds) {
      const bucket = this.buckets.get(id);
      if (bucket === undefined) continue;
      // A cell may appear under two field objects (the name cache was reset); summing by name merges them.
      for (const [fields, sums] of bucket.cells) {
        sums.counters.forEach((v, i) => put(fields.counters[i] as string, v));
        sums.latency.forEach((v, i) => put(fields.latency[i] as string, v));
      }
    }
    return sum;
  }

  async readEach(bucketIds: readonly string[]): Promise<Map<string, number>[]> {
    return Promise.all(bucketIds.map((id) => this.read([id])));
  }

  /** Newest first. */
  async recent(): Promise<RecentRequest[]> {
    const rows = this.recentRows;
    const out: RecentRequest[] = [];
    for (let i = 1; i <= rows.length; i++) out.push((rows[(this.recentNext - i + rows.length) % rows.length] as RecentSource)());
    return out;
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }

  private prune(now: number): void {
    for (const [id, b] of this.buckets) if (b.expiresAt !== null && b.expiresAt <= now) this.buckets.delete(id);
  }
}
