import type { Totals } from './aggregate.js';

/**
 * Time series for the dashboard's charts, built from the ledger's time buckets (pure: no I/O). The charts show
 * running totals, so every point is "everything counted from the series' start up to `t`".
 */

/** The figures a point carries (all running totals). USD as numbers; the rest are counts. */
export interface SeriesValues {
  requests: number;
  errors: number;
  aborted: number;
  rejected: number;
  costUsd: number;
  /** Estimate (counterfactual). */
  alwaysReasoningCostUsd: number;
  tokens: number;
  /** Estimate (counterfactual). */
  savedTokens: number;
}

export interface SeriesPoint extends SeriesValues {
  /** Unix time in seconds: the end of the bucket (or now, for the bucket in progress). */
  t: number;
}

/** The `GET /v1/stats/series` body. */
export interface Series {
  object: 'thinkgate.stats.series';
  /** The window asked for: `all`, or a configured window name (`hour`, `day`). */
  window: string;
  /** Bucket width in seconds (the resolution of this series). */
  slotSeconds: number;
  /** First point first; at least two points (a start and now) so a chart always draws a line. */
  points: SeriesPoint[];
}

/** One bucket of the ledger: when it starts (ms) and what it holds. */
export interface Slot {
  startMs: number;
  totals: Totals;
}

const FIELDS = ['requests', 'errors', 'aborted', 'rejected', 'costUsd', 'alwaysReasoningCostUsd', 'tokens', 'savedTokens'] as const;

export function valuesOf(t: Totals): SeriesValues {
  return {
    requests: t.requests,
    errors: t.errors,
    aborted: t.aborted,
    rejected: t.rejected,
    costUsd: t.costUsd,
    alwaysReasoningCostUsd: t.alwaysReasoningCostUsd,
    tokens: t.tokens.total,
    savedTokens: t.savedTokens,
  };
}

export const zeroValues = (): SeriesValues => ({ requests: 0, errors: 0, aborted: 0, rejected: 0, costUsd: 0, alwaysReasoningCostUsd: 0, tokens: 0, savedTokens: 0 });

/** USD sums of nano-USD amounts: rounded to the nano-dollar so that float addition leaves no 0.30000000000000004. */
const roundUsd = (v: number): number => Math.round(v * 1e9) / 1e9;

function add(a: SeriesValues, b: SeriesValues, sign = 1): SeriesValues {
  const out = zeroValues();
  for (const f of FIELDS) out[f] = f.endsWith('Usd') ? roundUsd(a[f] + sign * b[f]) : a[f] + sign * b[f];
  return out;
}

/** Whether a slot holds anything at all (a routed or a rejected request). */
export const isEmpty = (v: SeriesValues): boolean => v.requests === 0 && v.rejected === 0;

/** Sum of the slots' values. */
export function sumOf(slots: readonly Slot[]): SeriesValues {
  return slots.reduce((acc, s) => add(acc, valuesOf(s.totals)), zeroValues());
}

/**
 * Running totals over consecutive slots of `slotMs`: a first point at the first slot's start holding `base` (what
 * was counted before it), then one point per slot at its end (`nowMs` for the slot in progress). With `trim`, empty
 * slots before the first non-empty one are left out (a fresh gateway's "all time" starts at its first request).
 */
export function runningSeries(window: string, slots: readonly Slot[], slotMs: number, base: SeriesValues, nowMs: number, trim: boolean): Series {
  let first = 0;
  if (trim) {
    while (first < slots.length - 1 && isEmpty(valuesOf((slots[first] as Slot).totals))) first++;
  }
  const kept = slots.slice(first);
  const start = kept[0]?.startMs ?? nowMs;
  const points: SeriesPoint[] = [{ t: start / 1000, ...base }];
  let running = base;
  for (const slot of kept) {
    running = add(running, valuesOf(slot.totals));
    const point = { t: Math.min(slot.startMs + slotMs, nowMs) / 1000, ...running };
    // A slot that starts exactly now ends where the previous one did: one point for that moment, not two.
    if (point.t <= (points[points.length - 1] as SeriesPoint).t) points[points.length - 1] = point;
    else points.push(point);
  }
  if (points.length < 2) points.push({ t: nowMs / 1000, ...running });
  return { object: 'thinkgate.stats.series', window, slotSeconds: slotMs / 1000, points };
}

/** `cumulative − slots`: what was counted before the first slot (history older than the series keeps). */
export function baseBefore(cumulative: Totals, slots: readonly Slot[]): SeriesValues {
  return add(valuesOf(cumulative), sumOf(slots), -1);
}
