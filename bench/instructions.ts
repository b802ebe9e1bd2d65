import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { GATEWAY_V8_FLAGS } from '../src/cli/v8-flags.js';
import { ROOT, startUpstream, UPSTREAM_KEY } from './lib/fleet.js';
import { freePort } from './lib/processes.js';
import { splitInstructions } from './lib/callgrind-split.js';
import { CACHEABLE_BODY, CHAT_BODY, STREAM_BODY } from './scenarios/requests.js';
import { RESPONSES_BODY } from './scenarios/responses.js';

/**
 * Instructions per request, counted by valgrind's callgrind: a figure that does not move with the machine's load
 * (CPU time does, on a shared 2-core VM), for deciding between two builds of one change.
 *
 *   node --import tsx bench/instructions.ts [--dist DIR ...] [--mode json|stream|hit|responses] [--warmup 3000] [--measure 1000]
 *
 * Each build runs under `valgrind --tool=callgrind --instr-atstart=no`; after `--warmup` requests (JIT settled,
 * pools open) counting is switched on for `--measure` requests at `--connections`, then dumped. Prints
 * instructions per request per build (user space of every thread of the process: JIT code, V8, node, libuv), split
 * into JIT compilation, GC and the rest (bench/lib/callgrind-split.ts): the rest is the request path's own work.
 *
 * `--cache-sim` also runs callgrind's cache simulation (first-level instruction and data caches and the core's private
 * second level, see CACHE_SIM_ARGS) and prints misses per request: a footprint figure (code and data the request path evicts and
 * fetches again) that, unlike perf counters, does not move with what else runs on the machine.
 */

const { values } = parseArgs({
  options: {
    dist: { type: 'string', multiple: true },
    mode: { type: 'string', default: 'json' },
    warmup: { type: 'string', default: '3000' },
    measure: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '64' },
    'node-arg': { type: 'string', multiple: true },
    /** Extra top-level YAML appended to the gateway's config (e.g. `gate: {session: off}`): one component's cost. */
    yaml: { type: 'string', default: '' },
    /** `KEY=VALUE` set in the gateway's environment (e.g. `LOG_LEVEL=warn`). */
    env: { type: 'string', multiple: true },
    /** Count the bare fastify route (bench/bare-fastify.ts) instead of thinkgate: the floor of the cache-hit ratio. */
    bare: { type: 'boolean', default: false },
    /** Count the minimal proxy (bench/minimal-proxy.ts: fastify + undici) instead: the floor of the proxy ratio. */
    minimal: { type: 'boolean', default: false },
    /** Simulate the caches too and print misses per request (callgrind's I1mr, D1mr + D1mw, and its last level, set to the L2: ILmr + DLmr + DLmw). */
    'cache-sim': { type: 'boolean', default: false },
  },
});
/**
 * Caches as one core of the benchmark machine has them (AMD EPYC: 32 KB 8-way L1i and L1d, 1 MB 8-way private L2, 64-byte
 * lines). Callgrind simulates two levels; its last level is set to the private L2, because a request's working set
 * overflows that one (the shared 32 MB L3 holds it), and valgrind's own reading of this VM's L3 is nonsense.
 */
const CACHE_SIM_ARGS = ['--cache-sim=yes', '--I1=32768,8,64', '--D1=32768,8,64', '--LL=1048576,8,64'];
const dists = values.dist ?? [join(ROOT, 'dist')];
const body = values.mode === 'stream' ? STREAM_BODY : values.mode === 'hit' ? CACHEABLE_BODY : values.mode === 'responses' ? RESPONSES_BODY : CHAT_BODY;
const headers: Record<string, string> = values.mode === 'hit' ? {} : { 'cache-control': 'no-store' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function drive(url: string, amount: number): Promise<{ total: number; non2xx: number; errors: number; statuses: string }> {
  const r = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    connections: Number(values.connections),
    amount,
    timeout: 120,
  });
  return { total: r.requests.total, non2xx: r.non2xx, errors: r.errors + r.timeouts, statuses: JSON.stringify(r.statusCodeStats ?? {}) };
}

const upstream = await startUpstream();
const dir = mkdtempSync(join(tmpdir(), 'thinkgate-callgrind-'));
try {
  for (const dist of dists) {
    const port = await freePort();
    const config = join(dir, 'thinkgate.yaml');
    const tier = (model: string): string => `    baseUrl: ${upstream.url}/v1\n    model: ${model}\n    apiKey: ${UPSTREAM_KEY}\n`;
    // No event-loop-delay cut-off: under valgrind's slowness it would refuse requests (cheap 503s skew the count).
    writeFileSync(config, `log:\n  level: info\nlimits:\n  maxEventLoopDelayMs: 0\nupstreams:\n  reasoning:\n${tier('bench-reasoner')}  direct:\n${tier('bench-chat')}${values.yaml === '' ? '' : `\n${values.yaml}\n`}`);
    const extraEnv = Object.fromEntries((values.env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    const server = values.bare
      ? [join(ROOT, 'dist', 'bench', 'bare-fastify.js'), '--port', String(port)]
      : values.minimal
        ? [join(ROOT, 'dist', 'bench', 'minimal-proxy.js'), '--port', String(port), '--upstream', upstream.url, '--key', UPSTREAM_KEY]
        : [join(dist, 'cli', 'main.js'), 'serve', '--config', config];
    const outPrefix = join(dir, `cg-${port}`);
    const child = spawn(
      'valgrind',
      ['--tool=callgrind', '--instr-atstart=no', ...(values['cache-sim'] ? CACHE_SIM_ARGS : []), `--vgdb-prefix=${join(dir, 'vgdb')}`, `--callgrind-out-file=${outPrefix}.%p`, process.execPath, ...(values['node-arg'] ?? GATEWAY_V8_FLAGS), ...server],
      { stdio: ['ignore', openSync(join(dir, `gateway-${port}.log`), 'w'), 'inherit'], env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), ...extraEnv } },
    );
    // vgdb names its pipes after $HOST (here the gateway's listen address): callgrind_control must see the same.
    const vgdbEnv = { ...process.env, HOST: '127.0.0.1' };
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/healthz`)).ok || values.minimal) break;
      } catch {
        if (i > 300) throw new Error('gateway under valgrind did not start');
        await sleep(500);
      }
    }
    const target = `${url}${values.mode === 'responses' ? '/v1/responses' : '/v1/chat/completions'}`;
    const warm = await drive(target, Number(values.warmup));
    process.stderr.write(execFileSync('callgrind_control', ['--zero', `--vgdb-prefix=${join(dir, 'vgdb')}`, String(child.pid)], { env: vgdbEnv }).toString());
    process.stderr.write(execFileSync('callgrind_control', ['--instr=on', `--vgdb-prefix=${join(dir, 'vgdb')}`, String(child.pid)], { env: vgdbEnv }).toString());
    const measured = await drive(target, Number(values.measure));
    // Counting off, then a clean exit: callgrind writes the counts since zeroing (the measured requests) at exit.
    process.stderr.write(execFileSync('callgrind_control', ['--instr=off', `--vgdb-prefix=${join(dir, 'vgdb')}`, String(child.pid)], { env: vgdbEnv }).toString());
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    const files = readdirSync(dir).filter((f) => f.startsWith(`cg-${port}.`));
    let ir = 0;
    let biggest = '';
    let events: number[] = [];
    let eventNames: string[] = [];
    for (const f of files) {
      const profile = readFileSync(join(dir, f), 'utf8');
      for (const m of profile.matchAll(/^(?:summary|totals):\s+(\d+.*)$/gm)) {
        const counts = (m[1] as string).trim().split(/\s+/).map(Number);
        if ((counts[0] ?? 0) > ir) {
          [ir, biggest, events] = [counts[0] ?? 0, join(dir, f), counts];
          eventNames = /^events:\s+(.*)$/m.exec(profile)?.[1]?.trim().split(/\s+/) ?? [];
        }
      }
    }
    // Event order is named in the profile's `events:` line (Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw with --cache-sim).
    const event = (name: string): number => events[eventNames.indexOf(name)] ?? 0;
    const split = biggest === '' ? null : splitInstructions(biggest);
    // Misses split the same way: JIT compilation's are V8's schedule, not the request path's footprint.
    const missSplit = (names: readonly string[]): { total: number; compile: number; gc: number; rest: number } | null => (biggest === '' ? null : splitInstructions(biggest, names));
    const per = (n: number): number => Math.round(n / measured.total);
    process.stdout.write(
      `${JSON.stringify({
        dist,
        mode: values.mode,
        warm,
        measured,
        instructionsPerRequest: per(ir),
        // JIT compilation and GC run on V8's schedule; `rest` (the request path itself) is the figure to compare.
        split: split === null ? null : { compile: per(split.compile), gc: per(split.gc), rest: per(split.rest) },
        ...(values['cache-sim']
          ? {
              missesPerRequest: { i1: per(event('I1mr')), d1: per(event('D1mr') + event('D1mw')), l2: per(event('ILmr') + event('DLmr') + event('DLmw')) },
              restMissesPerRequest: Object.fromEntries(
                ([['i1', ['I1mr']], ['d1', ['D1mr', 'D1mw']], ['l2', ['ILmr', 'DLmr', 'DLmw']]] as const).map(([name, names]) => [name, per(missSplit(names)?.rest ?? 0)]),
              ),
            }
          : {}),
        files: files.map((f) => join(dir, f)),
      })}\n`,
    );
  }
} finally {
  await upstream.stop();
}
