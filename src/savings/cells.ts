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

/** The field names of one cell: one per counter (COUNTERS order) and one per latency bucket. */
interface CellFields {
  counters: string[];
  latency: string[];
}

/** Cells seen so far (tenant → route → model); bounded, since tenants come from configured keys and models from config. */
const fieldCache = new Map<string, Map<string, Map<string, CellFields>>>();
const FIELD_CACHE_TENANTS = 10_000;

/**
 * perf: the field-name strings of a cell are built once and reused, so a request's increments are keyed by
 * strings whose hash V8 already knows (concatenating 14 names per request was most of the ledger's cost).
 */
function fieldsOf(tenant: string, route: string, model: string): CellFields {
  let byRoute = fieldCache.get(tenant);
  if (byRoute === undefined) {
    if (fieldCache.size >= FIELD_CACHE_TENANTS) fieldCache.clear();
    byRoute = new Map();
    fieldCache.set(tenant, byRoute);
  }
  let byModel = byRoute.get(route);
  if (byModel === undefined) {
    byModel = new Map();
    byRoute.set(route, byModel);
  }
  let fields = byModel.get(model);
  if (fields === undefined) {
    const prefix = cellPrefix({ tenant, route, model });
    fields = {
      counters: COUNTERS.map((c) => prefix + c),
      latency: Array.from({ length: LATENCY_EDGES_MS.length + 1 }, (_, i) => `${prefix}lat${i}`),
    };
    byModel.set(model, fields);
  }
  return fields;
}

/** Position of each counter in COUNTERS (and so in a cell's `counters`). */
const AT = Object.fromEntries(COUNTERS.map((c, i) => [c, i])) as Record<Counter, number>;

/** The increments one finished request adds to its cell (COUNTERS order, zeros left out, then its latency bucket). */
export function incrementsOf(record: RequestRecord, a: Accounting): Map<string, number> {
  const { counters: f, latency: lat } = fieldsOf(record.tenant, record.route, record.upstreamModel);
  const latency = Math.round(record.latencyMs);
  const t = a.upstreamTokens;
  const out = new Map<string, number>();
  const put = (i: number, v: number): void => {
    if (v !== 0) out.set(f[i] as string, v);
  };
  put(AT.requests, 1);
  put(AT.errors, record.outcome === 'completed' ? 0 : 1);
  put(AT.cacheHits, record.cache === 'hit' ? 1 : 0);
  put(AT.usageEstimated, a.usageEstimated ? 1 : 0);
  put(AT.promptTokens, t.prompt);
  put(AT.completionTokens, t.completion);
  put(AT.reasoningTokens, t.reasoning);
  put(AT.costNano, a.costNano);
  put(AT.savedCostNano, a.savedCostNano);
  put(AT.savedTokens, a.savedTokens);
  put(AT.savedReasoningTokens, a.savedReasoningTokens);
  put(AT.savedLatencyMs, a.savedLatencyMs);
  put(AT.latencyMs, latency);
  out.set(lat[latencyBucket(latency)] as string, 1);
  return out;
}

/** Adds `from` into `into`. */
export function addInto(into: Map<string, number>, from: ReadonlyMap<string, number>): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}
