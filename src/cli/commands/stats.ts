import type { Totals } from '../../savings/aggregate.js';
import type { StatsBody } from '../../routes/stats.js';
import { flagString, parseFlags, type CommandIO } from '../io.js';

/**
 * `thinkgate stats --url http://host:port [--key KEY] [--window hour|day] [--json]`: the `/v1/stats` totals as a
 * terminal table (per route, per model, per tenant). The key may also come from THINKGATE_KEY.
 */
export async function run(args: string[], io: CommandIO, env: Record<string, string | undefined> = process.env): Promise<number> {
  const { flags } = parseFlags(args);
  const base = flagString(flags, 'url') ?? env.THINKGATE_URL;
  if (base === undefined) {
    io.stderr.write('thinkgate stats: --url http://host:port is required (or set THINKGATE_URL)\n');
    return 2;
  }
  const key = flagString(flags, 'key') ?? env.THINKGATE_KEY;
  const windowName = flagString(flags, 'window');
  let body: StatsBody;
  try {
    const url = new URL('/v1/stats', base);
    const res = await fetch(url, { headers: key === undefined ? {} : { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 200);
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
      } catch {
        // not JSON: show the start of the body
      }
      io.stderr.write(`thinkgate stats: ${url.origin} answered ${res.status}: ${message}\n`);
      return 1;
    }
    body = JSON.parse(text) as StatsBody;
  } catch (err) {
    io.stderr.write(`thinkgate stats: cannot read stats from ${base}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  if (flags.has('json')) {
    io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return 0;
  }
  const scope = windowName === undefined ? body : body.windows[windowName];
  if (scope === undefined) {
    io.stderr.write(`thinkgate stats: unknown window "${windowName}" (known: ${Object.keys(body.windows).join(', ')})\n`);
    return 2;
  }
  io.stdout.write(formatStats(body, scope, windowName ?? 'all time'));
  return 0;
}

const usd = (v: number): string => `$${v.toFixed(Math.abs(v) < 1 ? 6 : 2)}`;
const int = (v: number): string => Math.round(v).toLocaleString('en-US');

const COLUMNS: [string, (t: Totals) => string][] = [
  ['requests', (t) => int(t.requests)],
  ['errors', (t) => int(t.errors)],
  ['cache hits', (t) => int(t.cacheHits)],
  ['tokens', (t) => int(t.tokens.total)],
  ['reasoning tok', (t) => int(t.tokens.reasoning)],
  ['cost', (t) => usd(t.costUsd)],
  ['always-reasoning*', (t) => usd(t.alwaysReasoningCostUsd)],
  ['saved*', (t) => usd(t.savedCostUsd)],
  ['tokens saved*', (t) => int(t.savedTokens)],
  ['p50 ms', (t) => int(t.latencyMs.p50)],
  ['p90 ms', (t) => int(t.latencyMs.p90)],
];

/** A plain-text table: one row per group, numbers right-aligned, a total row last. */
export function formatStats(body: StatsBody, scope: Pick<StatsBody, 'totals' | 'byRoute' | 'byModel' | 'byTenant'> & { byApi?: StatsBody['byApi'] }, label: string): string {
  const sections: [string, Record<string, Totals>][] = [['route', scope.byRoute], ['model', scope.byModel], ['tenant', scope.byTenant]];
  if (scope.byApi !== undefined) sections.push(['api', scope.byApi]);
  let out = `thinkgate stats · ${label} · ${body.scope.fleet ? 'fleet (redis)' : 'this replica'} · tenant ${body.scope.tenant} · since ${body.since}\n`;
  for (const [name, groups] of sections) {
    const rows: string[][] = Object.entries(groups).map(([k, t]) => [k, ...COLUMNS.map(([, f]) => f(t))]);
    rows.push(['total', ...COLUMNS.map(([, f]) => f(scope.totals))]);
    const header = [name, ...COLUMNS.map(([h]) => h)];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
    out += `\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`;
  }
  const t = scope.totals;
  const share = t.alwaysReasoningCostUsd > 0 ? ` (${((100 * t.savedCostUsd) / t.alwaysReasoningCostUsd).toFixed(1)}% of always-reasoning)` : '';
  out += `\nsaved ${usd(t.savedCostUsd)}${share}, ${int(t.savedReasoningTokens)} reasoning tokens not spent, cache hit rate ${(t.cacheHitRate * 100).toFixed(1)}%\n`;
  out += '* estimate, not a measurement: what always-reasoning would have cost (method: docs/savings.md)\n';
  return out;
}
