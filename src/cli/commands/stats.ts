import type { Totals } from '../../savings/aggregate.js';
import type { StatsBody } from '../../routes/stats.js';
import { type CommandIO, EXIT, UsageError, choiceFlag, commandConfig, parseCommandArgs, runCommand, writeLine } from '../io.js';

const USAGE = 'usage: thinkgate stats [--url http://host:port] [--key KEY] [--window hour|day] [--json] [--config PATH]';

/**
 * `thinkgate stats [--url http://host:port] [--key KEY] [--window hour|day] [--json] [--config PATH]`: the
 * `/v1/stats` totals as a terminal table (per route, per model, per tenant). The URL defaults to THINKGATE_URL,
 * else this host at the configuration's `server.port`; the key to THINKGATE_KEY, else the configuration's first
 * admin key (an operator on the gateway's host sees the fleet).
 */
export function run(args: string[], io: CommandIO, env: Record<string, string | undefined> = process.env): Promise<number> {
  return runCommand('stats', USAGE, io, async () => {
    const { values } = parseCommandArgs(args, { url: { type: 'string' }, key: { type: 'string' }, window: { type: 'string' }, json: { type: 'boolean' } });
    if (values.help === true) {
      writeLine(io.stdout, USAGE);
      return EXIT.ok;
    }
    const config = values.url !== undefined && values.key !== undefined ? undefined : commandConfig(values.config, env);
    const base = values.url ?? env.THINKGATE_URL ?? `http://127.0.0.1:${config?.server.port ?? 8080}`;
    const key = values.key ?? env.THINKGATE_KEY ?? config?.auth.adminKeys[0];
    const body = await fetchStats(statsUrl(base), base, key, io);
    if (body === null) return EXIT.failed;
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      return EXIT.ok;
    }
    const windowName = values.window === undefined ? undefined : choiceFlag(values.window, 'window', Object.keys(body.windows));
    const scope = windowName === undefined ? body : (body.windows[windowName] as StatsBody['windows'][string]);
    io.stdout.write(formatStats(body, scope, windowName ?? 'all time'));
    return EXIT.ok;
  });
}

/** `/v1/stats` at `base`; a bad argument (exit 2) unless `base` is an http(s) URL (fetch speaks nothing else). */
function statsUrl(base: string): URL {
  let url: URL | undefined;
  try {
    url = new URL('/v1/stats', base);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(`--url (or THINKGATE_URL) must be an http:// or https:// URL such as http://127.0.0.1:8080, got "${base}"`);
  }
  return url;
}

async function fetchStats(url: URL, base: string, key: string | undefined, io: CommandIO): Promise<StatsBody | null> {
  try {
    const res = await fetch(url, { headers: key === undefined ? {} : { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (!res.ok) {
      let message = text.slice(0, 200);
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
      } catch {
        // not JSON: show the start of the body
      }
      // The server's 401/403 text speaks to HTTP clients ("Provide it in the Authorization header"); say how to give
      // this command a key.
      const hint = res.status === 401 || res.status === 403 ? ' (give an admin key, or a client key for its own tenant, with --key KEY or THINKGATE_KEY)' : '';
      writeLine(io.stderr, `thinkgate stats: ${url.origin} answered ${res.status}: ${message}${hint}`);
      return null;
    }
    return JSON.parse(text) as StatsBody;
  } catch (err) {
    // fetch says only "fetch failed"; the reason is in its cause: a system error code (ECONNREFUSED, ENOTFOUND…), or
    // only a message, e.g. "bad port" for the ports the Fetch standard blocks (1, 9, 6000…), which fetch never dials.
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
    const detail =
      typeof cause?.code === 'string'
        ? ` (${cause.code}: is the gateway running there?)`
        : cause?.message === 'bad port'
          ? ' (bad port: fetch refuses the ports the Fetch standard blocks; run the gateway on another port)'
          : typeof cause?.message === 'string' ? ` (${cause.message})` : '';
    const reason = `${err instanceof Error ? err.message : String(err)}${detail}`;
    writeLine(io.stderr, `thinkgate stats: cannot read stats from ${base}: ${reason}`);
    return null;
  }
}

const usd = (v: number): string => `$${v.toFixed(Math.abs(v) < 1 ? 6 : 2)}`;
const int = (v: number): string => Math.round(v).toLocaleString('en-US');

const COLUMNS: [string, (t: Totals) => string][] = [
  ['requests', (t) => int(t.requests)],
  ['errors', (t) => int(t.errors)],
  ['aborted', (t) => int(t.aborted)],
  ['rejected', (t) => int(t.rejected)],
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
