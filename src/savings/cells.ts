import type { RequestRecord } from '../chat/record.js';
import type { Accounting } from './accounting.js';

/**
 * The ledger's one data shape: integer counters in flat fields `tenant␟route␟model␟counter`. Every total (per
 * route, tenant, model; cumulative or windowed; one replica or the fleet via Redis) is a sum of such fields,
 * and integers (nano-USD, tokens, whole ms) add exactly in any order and on any replica.
 */

export const COUNTERS = [
  'requests',
  'errors',
  'cacheHits',
  'usageEstimated',
  'promptTokens',
  'completionTokens',
  'reasoningTokens',
  'costNano',
  'savedCostNano',
  'savedTokens',
  'savedReasoningTokens',
  'savedLatencyMs',
  'latencyMs',
] as const;
export type Counter = (typeof COUNTERS)[number];

/** Latency histogram edges (ms). Percentiles are read as the upper edge of the bucket they fall in. */
export const LATENCY_EDGES_MS = [
  5, 10, 25, 50, 75, 100, 150, 250, 400, 600, 1_000, 1_500, 2_500, 4_000, 6_000, 10_000, 15_000, 25_000, 40_000, 60_000, 120_000, 300_000,
] as const;
/** Bucket index `LATENCY_EDGES_MS.length` holds everything slower than the last edge. */
export const latencyBucket = (ms: number): number => {
  let i = 0;
  while (i < LATENCY_EDGES_MS.length && ms > (LATENCY_EDGES_MS[i] as number)) i++;
  return i;
};

export const SEP = '\u001f';

export interface CellKey {
  tenant: string;
  route: string;
  model: string;
}

export const cellPrefix = (k: CellKey): string => `${k.tenant}${SEP}${k.route}${SEP}${k.model}${SEP}`;

/** The increments one finished request adds to its cell. */
export function incrementsOf(record: RequestRecord, a: Accounting): Map<string, number> {
  const prefix = cellPrefix({ tenant: record.tenant, route: record.route, model: record.upstreamModel });
  const latency = Math.round(record.latencyMs);
  const values: Record<Counter, number> = {
    requests: 1,
    errors: record.outcome === 'completed' ? 0 : 1,
    cacheHits: record.cache === 'hit' ? 1 : 0,
    usageEstimated: a.usageEstimated ? 1 : 0,
    promptTokens: a.upstreamTokens.prompt,
    completionTokens: a.upstreamTokens.completion,
    reasoningTokens: a.upstreamTokens.reasoning,
    costNano: a.costNano,
    savedCostNano: a.savedCostNano,
    savedTokens: a.savedTokens,
    savedReasoningTokens: a.savedReasoningTokens,
    savedLatencyMs: a.savedLatencyMs,
    latencyMs: latency,
  };
  const out = new Map<string, number>();
  for (const c of COUNTERS) if (values[c] !== 0) out.set(prefix + c, values[c]);
  out.set(`${prefix}lat${latencyBucket(latency)}`, 1);
  return out;
}

/** Adds `from` into `into`. */
export function addInto(into: Map<string, number>, from: ReadonlyMap<string, number>): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}
