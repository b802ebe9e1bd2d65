import { Counter, type LabelValues, type Metric, type Registry } from 'prom-client';

/**
 * perf: labelled counters and histograms whose per-request updates go into plain cells and reach prom-client's
 * registry only at scrape time. prom-client's own `inc(labels, v)` / `observe(labels, v)` validate the label object
 * and build a hash string from it on every call (its `labels()` children do the same, so they save nothing); here a
 * caller finds its cell once per label set (a map lookup it keeps) and adds numbers. The exposition is identical:
 * a series exists once it was written to, and holds the sum of its updates.
 */

/** One series of a deferred counter: requests add to `value`. */
export interface CounterCell {
  value: number;
}

export class DeferredCounter<L extends string> {
  private readonly cells: { labels: Record<L, string>; cell: CounterCell }[] = [];

  constructor(config: { name: string; help: string; labelNames: readonly L[]; registers: Registry[] }) {
    const cells = this.cells;
    new Counter<L>({
      ...config,
      labelNames: [...config.labelNames],
      collect() {
        this.reset();
        for (const { labels, cell } of cells) if (cell.value > 0) this.inc(labels as LabelValues<L>, cell.value);
      },
    });
  }

  /** A new series; the caller keeps it and adds to its `value` (a series with nothing added is not exported). */
  cell(labels: Record<L, string>): CounterCell {
    const cell = { value: 0 };
    this.cells.push({ labels, cell });
    return cell;
  }
}

/** What prom-client's Registry reads from a metric at scrape time (its `get()` result). */
interface CollectedMetric {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: { labels: Record<string, string | number>; value: number; metricName: string }[];
}

/** One series of a deferred histogram. */
export class HistogramCell {
  /** Observations per bucket (not cumulative); the last slot is above every bound (+Inf only). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    // Same rule as prom-client: a non-finite value is a bug in the caller, not something to export.
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count += 1;
  }
}

/**
 * A Prometheus histogram (cumulative `_bucket{le}` series, `+Inf`, `_sum`, `_count`, as prom-client prints them)
 * kept in cells. It is a collector of the registry's own kind: the registry asks it for its values at scrape time.
 */
export class DeferredHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  private readonly bounds: readonly number[];
  private readonly cells: { labels: Record<L, string>; cell: HistogramCell }[] = [];

  constructor(config: { name: string; help: string; buckets: readonly number[]; registers: Registry[] }) {
    this.name = config.name;
    this.help = config.help;
    this.bounds = [...config.buckets].sort((a, b) => a - b);
    // prom-client's Registry reads `name`, `help`, `type`, `aggregator` and `get()`: the contract of its metrics.
    for (const registry of config.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** A new series; the caller keeps it (a series with no observation is not exported). */
  cell(labels: Record<L, string>): HistogramCell {
    const cell = new HistogramCell(this.bounds);
    this.cells.push({ labels, cell });
    return cell;
  }

  /** `Registry.resetMetrics()` calls this on every metric. */
  reset(): void {
    for (const { cell } of this.cells) {
      cell.counts.fill(0);
      cell.sum = 0;
      cell.count = 0;
    }
  }

  get(): CollectedMetric {
    const values: CollectedMetric['values'] = [];
    const bucket = `${this.name}_bucket`;
    for (const { labels, cell } of this.cells) {
      if (cell.count === 0) continue;
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += cell.counts[i] as number;
        values.push({ labels: { le, ...labels }, value: cumulative, metricName: bucket });
      });
      values.push({ labels: { le: '+Inf', ...labels }, value: cell.count, metricName: bucket });
      values.push({ labels: { ...labels }, value: cell.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...labels }, value: cell.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
