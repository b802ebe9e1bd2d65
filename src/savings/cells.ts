import type { RequestRecord } from '../core/record.js';
import type { Accounting } from './accounting.js';

/**
 * The ledger's one data shape: integer counters in flat fields `tenant␟route␟model␟api␟counter` (ledgers written
 * before the `api` part have `tenant␟route␟model␟counter`: Chat Completions). Every total (per route, tenant, model,
 * wire API; cumulative or windowed; one replica or the fleet via Redis) is a sum of such fields,
 * and integers (nano-USD, tokens, whole ms) add exactly in any order and on any replica.
 */

export const COUNTERS = [
  'requests',
  /** Routed requests that failed (ours or the upstream's). */
  'errors',
  /** Routed requests the client gave up on (disconnected: status 499): not errors. */
  'aborted',
  /** /v1 requests refused before routing (400 bad body, 401, 413, 429…): not counted in `requests`. */
  'rejected',
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
  /** The wire API the client spoke (`chat`, `responses`). */
  api: string;
}

export const cellPrefix = (k: CellKey): string => `${k.tenant}${SEP}${k.route}${SEP}${k.model}${SEP}${k.api}${SEP}`;

/** The field names of one cell: one per counter (COUNTERS order) and one per latency bucket. */
export interface CellFields {
  counters: string[];
  latency: string[];
}

/** Cells seen so far (api + tenant → route → model); bounded, since tenants come from configured keys and models from config. */
const fieldCache = new Map<string, Map<string, Map<string, CellFields>>>();
const FIELD_CACHE_TENANTS = 10_000;

/**
 * perf: the field-name strings of a cell are built once and reused, so a request's increments are keyed by
 * strings whose hash V8 already knows (concatenating 14 names per request was most of the ledger's cost).
 */
function fieldsOf(tenant: string, route: string, model: string, api: string): CellFields {
  // The API names are few and fixed: prefixed to the tenant, they add no map level (and no lookup) per request.
  const outer = api === 'chat' ? tenant : `${api}${SEP}${tenant}`;
  let byRoute = fieldCache.get(outer);
  if (byRoute === undefined) {
    if (fieldCache.size >= FIELD_CACHE_TENANTS) fieldCache.clear();
    byRoute = new Map();
    fieldCache.set(outer, byRoute);
  }
  let byModel = byRoute.get(route);
  if (byModel === undefined) {
    byModel = new Map();
    byRoute.set(route, byModel);
  }
  let fields = byModel.get(model);
  if (fields === undefined) {
    const prefix = cellPrefix({ tenant, route, model, api });
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

/**
 * What one finished request adds to its cell: the cell (its field names, one shared object per tenant, route and
 * model), the counters in COUNTERS order, and the latency bucket it falls in. perf: positional numbers, not a map
 * of field names, so the memory ledger adds them to its cells without a string-keyed map operation per counter.
 */
export interface CellIncrements {
  fields: CellFields;
  counters: number[];
  latencyBucket: number;
}

export function incrementsOf(record: RequestRecord, a: Accounting): CellIncrements {
  const latency = Math.round(record.latencyMs);
  const t = a.upstreamTokens;
  const counters = new Array<number>(COUNTERS.length).fill(0);
  counters[AT.requests] = 1;
  counters[AT.errors] = record.outcome === 'error' ? 1 : 0;
  counters[AT.aborted] = record.outcome === 'aborted' ? 1 : 0;
  counters[AT.cacheHits] = record.cache === 'hit' ? 1 : 0;
  counters[AT.usageEstimated] = a.usageEstimated ? 1 : 0;
  counters[AT.promptTokens] = t.prompt;
  counters[AT.completionTokens] = t.completion;
  counters[AT.reasoningTokens] = t.reasoning;
  counters[AT.costNano] = a.costNano;
  counters[AT.savedCostNano] = a.savedCostNano;
  counters[AT.savedTokens] = a.savedTokens;
  counters[AT.savedReasoningTokens] = a.savedReasoningTokens;
  counters[AT.savedLatencyMs] = a.savedLatencyMs;
  counters[AT.latencyMs] = latency;
  return { fields: fieldsOf(record.tenant, record.route, record.upstreamModel, record.api), counters, latencyBucket: latencyBucket(latency) };
}

/**
 * A request refused before routing: one `rejected` in the tenant's cell with no route and no model (so it shows in
 * totals and per tenant, never as a route or model), and no latency sample (latency describes routed requests).
 */
export function rejectedIncrements(tenant: string): CellIncrements {
  const counters = new Array<number>(COUNTERS.length).fill(0);
  counters[AT.rejected] = 1;
  return { fields: fieldsOf(tenant, '', '', 'chat'), counters, latencyBucket: NO_LATENCY };
}

/** `latencyBucket` of increments that carry no latency sample. */
export const NO_LATENCY = -1;

/** The same increments keyed by field name, zeros left out: the Redis store's HINCRBY arguments. */
export function fieldIncrements(inc: CellIncrements): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < inc.counters.length; i++) {
    const v = inc.counters[i] as number;
    if (v !== 0) out.set(inc.fields.counters[i] as string, v);
  }
  if (inc.latencyBucket !== NO_LATENCY) out.set(inc.fields.latency[inc.latencyBucket] as string, 1);
  return out;
}

/** Adds `from` into `into`. */
export function addInto(into: Map<string, number>, from: ReadonlyMap<string, number>): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}
