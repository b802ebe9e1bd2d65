import { COUNTERS, LATENCY_EDGES_MS, SEP, type Counter } from './cells.js';
import { nanoToUsd } from './prices.js';

/** Totals as `/v1/stats` shows them. Fields derived from the counterfactual are estimates (see docs/savings.md). */
export interface Totals {
  /** Routed requests (completed, failed or aborted). */
  requests: number;
  /** Routed requests that failed. */
  errors: number;
  /** Routed requests whose client disconnected before the answer was complete (status 499). */
  aborted: number;
  /** Requests refused before routing (bad body, no key, too large, rate-limited): not in `requests`. */
  rejected: number;
  cacheHits: number;
  cacheHitRate: number;
  /** Requests whose token counts came from the gateway's tokenizer (the upstream reported no usage). */
  usageEstimatedRequests: number;
  tokens: { prompt: number; completion: number; reasoning: number; total: number };
  costUsd: number;
  /** Estimate: what the same requests would have cost had every one gone to the reasoning upstream. */
  alwaysReasoningCostUsd: number;
  /** Estimate: alwaysReasoningCostUsd − costUsd. */
  savedCostUsd: number;
  /** Estimate. */
  savedTokens: number;
  /** Estimate. */
  savedReasoningTokens: number;
  /** Estimate (signed: a direct answer can be slower than the reasoning one it replaced). */
  savedLatencyMs: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number };
}

export interface Breakdown {
  totals: Totals;
  byRoute: Record<string, Totals>;
  byTenant: Record<string, Totals>;
  byModel: Record<string, Totals>;
  /** By the wire API the client spoke: `chat`, `responses`. */
  byApi: Record<string, Totals>;
}

interface Acc {
  counters: Record<Counter, number>;
  latency: number[];
}

const emptyAcc = (): Acc => ({
  counters: Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>,
  latency: new Array<number>(LATENCY_EDGES_MS.length + 1).fill(0),
});

const COUNTER_SET: ReadonlySet<string> = new Set(COUNTERS);

/** Upper edge of the bucket holding quantile q; the slowest bucket reports twice the last edge (an honest "more than"). */
function percentile(latency: readonly number[], n: number, q: number): number {
  if (n === 0) return 0;
  const rank = Math.ceil(q * n);
  let seen = 0;
  for (let i = 0; i < latency.length; i++) {
    seen += latency[i] as number;
    if (seen >= rank) return LATENCY_EDGES_MS[i] ?? 2 * (LATENCY_EDGES_MS[LATENCY_EDGES_MS.length - 1] as number);
  }
  return 0;
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

function totalsOf(a: Acc): Totals {
  const c = a.counters;
  return {
    requests: c.requests,
    errors: c.errors,
    aborted: c.aborted,
    rejected: c.rejected,
    cacheHits: c.cacheHits,
    cacheHitRate: c.requests === 0 ? 0 : round(c.cacheHits / c.requests, 4),
    usageEstimatedRequests: c.usageEstimated,
    tokens: { prompt: c.promptTokens, completion: c.completionTokens, reasoning: c.reasoningTokens, total: c.promptTokens + c.completionTokens },
    costUsd: nanoToUsd(c.costNano),
    alwaysReasoningCostUsd: nanoToUsd(c.costNano + c.savedCostNano),
    savedCostUsd: nanoToUsd(c.savedCostNano),
    savedTokens: c.savedTokens,
    savedReasoningTokens: c.savedReasoningTokens,
    savedLatencyMs: c.savedLatencyMs,
    latencyMs: {
      mean: c.requests === 0 ? 0 : round(c.latencyMs / c.requests, 1),
      p50: percentile(a.latency, c.requests, 0.5),
      p90: percentile(a.latency, c.requests, 0.9),
      p99: percentile(a.latency, c.requests, 0.99),
    },
  };
}

function addField(acc: Acc, field: string, value: number): void {
  if (COUNTER_SET.has(field)) acc.counters[field as Counter] += value;
  else if (field.startsWith('lat')) {
    const i = Number(field.slice(3));
    if (Number.isInteger(i) && i >= 0 && i < acc.latency.length) acc.latency[i] = (acc.latency[i] as number) + value;
  }
}

/** Folds flat ledger fields into totals per route, tenant, model and API; `tenant` keeps only that tenant's cells. */
export function aggregate(fields: ReadonlyMap<string, number>, tenant?: string): Breakdown {
  const total = emptyAcc();
  const groups = { byRoute: new Map<string, Acc>(), byTenant: new Map<string, Acc>(), byModel: new Map<string, Acc>(), byApi: new Map<string, Acc>() };
  const groupAcc = (map: Map<string, Acc>, key: string): Acc => {
    let acc = map.get(key);
    if (acc === undefined) map.set(key, (acc = emptyAcc()));
    return acc;
  };
  for (const [key, value] of fields) {
    const parts = key.split(SEP);
    // Four parts: a ledger written before the API was recorded, when Chat Completions was the only one.
    if (parts.length !== 5 && parts.length !== 4) continue;
    const [t, route, model] = parts as [string, string, string];
    const api = parts.length === 5 ? (parts[3] as string) : 'chat';
    const field = parts[parts.length - 1] as string;
    if (tenant !== undefined && t !== tenant) continue;
    addField(total, field, value);
    addField(groupAcc(groups.byTenant, t), field, value);
    // Rejected requests have no route or model (src/savings/cells.ts: rejectedIncrements).
    if (route === '') continue;
    addField(groupAcc(groups.byRoute, route), field, value);
    addField(groupAcc(groups.byModel, model), field, value);
    addField(groupAcc(groups.byApi, api), field, value);
  }
  const out = (m: Map<string, Acc>): Record<string, Totals> =>
    Object.fromEntries([...m.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([k, acc]) => [k, totalsOf(acc)]));
  return { totals: totalsOf(total), byRoute: out(groups.byRoute), byTenant: out(groups.byTenant), byModel: out(groups.byModel), byApi: out(groups.byApi) };
}
