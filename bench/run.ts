import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { logFileOf, ROOT, startAppConstant, startBareFastify, startMinimalProxy, startPortkey, startThinkgate, startUpstream, UPSTREAM_KEY, WORK_DIR } from './lib/fleet.js';
import { measuredCpuList, pinMeasuredServers, repinMeasured, type ServerProcess } from './lib/processes.js';
import { measureCache, type CacheResult } from './scenarios/cache.js';
import { measurePaired } from './scenarios/paired.js';
import { GATEWAY_V8_FLAGS } from '../src/cli/v8-flags.js';
import type { Target } from './lib/load.js';
import { measureGate, type GateResult } from './scenarios/gate.js';
import { measureResponses } from './scenarios/responses.js';
import { measureMemory, type MemoryResult } from './scenarios/memory.js';
import { measureLatency, measureThroughput, type ProxySettings } from './scenarios/proxy.js';
import { CACHEABLE_BODY, CHAT_BODY, STREAM_BODY, targetFor, type Contender } from './scenarios/requests.js';
import { measureGcSpread } from './scenarios/gc.js';
import { renderSummary, updateDocs, type BenchResults } from './lib/report.js';

/**
 * `npm run bench [-- --quick] [--only proxy,stream,cache,responses,gate,memory,gc] [--baseline NAME=DIST_DIR ...]`
 * Every process separate (fake upstream, thinkgate from dist/, peer gateway, bare fastify); load from this process.
 * Contenders are interleaved round by round and medians reported; results go to bench/results/<date>.json and
 * the summary table in docs/benchmarks.md. `--baseline` adds thinkgate built from another dist/ (before/after).
 */

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string', default: '64' },
    streams: { type: 'string', default: '1000' },
    only: { type: 'string', default: 'proxy,stream,cache,responses,gate,memory' },
    /** Runs of the `gc` scenario (fresh gateways loaded alone, each run's GC mode from --trace-gc-nvp). */
    'gc-runs': { type: 'string', default: '5' },
    /** `NAME=DIST_DIR` (repeatable): other thinkgate builds measured alongside, e.g. the commit before a change. */
    baseline: { type: 'string', multiple: true, default: [] },
    'no-portkey': { type: 'boolean', default: false },
    'no-docs': { type: 'boolean', default: false },
    /** Measured servers on CPU 0, the harness and fake upstream on the others (`taskset`): steadier rounds. */
    pin: { type: 'boolean', default: false },
    /** Suffix for the results file: bench/results/<date>-<label>.json (e.g. an A/B run). */
    label: { type: 'string' },
  },
});
const only = new Set(values.only.split(','));
const settings: ProxySettings = {
  rounds: Number(values.rounds ?? (values.quick ? 2 : 3)),
  durationS: Number(values.duration ?? (values.quick ? 2 : 5)),
  connections: Number(values.connections),
  latencyMs: values.quick ? 1_000 : 3_000,
  latencyWarmupMs: values.quick ? 1_000 : 6_000,
};
const log = (msg: string): void => void process.stderr.write(`bench: ${msg}\n`);

const load0 = loadavg()[0] ?? 0;
const pinned = values.pin ? `${pinMeasuredServers()}; the 1-connection latency and streaming scenarios with every process on CPU 1 (no cross-CPU wake-ups)` : undefined;
const machine = {
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  loadAvg1mStart: Math.round(load0 * 100) / 100,
  loadAvg1mEnd: 0,
  commit: execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim(),
  ...(pinned === undefined ? {} : { pinned }),
};

const processes: ServerProcess[] = [];

/**
 * With --pin, the 1-connection latency scenarios run with every process on the harness's CPU (see `repinMeasured`):
 * thinkgate's figure is then its own added time, not the VM's cross-CPU wake-up tail. Throughput keeps CPU 0.
 */
async function oneCpu<T>(measure: () => Promise<T>): Promise<T> {
  const home = measuredCpuList();
  if (home === null) return measure();
  const pids = processes.filter((p) => p.name !== 'upstream').map((p) => p.pid);
  repinMeasured(pids, '1');
  try {
    return await measure();
  } finally {
    repinMeasured(pids, home);
  }
}
const started = async (p: Promise<ServerProcess>): Promise<ServerProcess> => {
  const proc = await p;
  processes.push(proc);
  log(`${proc.name} pid ${proc.pid} on ${proc.url}`);
  return proc;
};

async function main(): Promise<BenchResults> {
  const upstream = await started(startUpstream());
  // With V8's GC trace in its log: every throughput round of thinkgate knows its GC mode (bytes promoted per request).
  const thinkgate = await started(startThinkgate({ reasoningUrl: upstream.url, directUrl: upstream.url, traceGc: true }));
  const gcLog = logFileOf('thinkgate');
  const baselines: [string, ServerProcess][] = [];
  for (const spec of values.baseline) {
    const [name, dist] = spec.includes('=') ? (spec.split('=', 2) as [string, string]) : ['baseline', spec];
    baselines.push([`thinkgate-${name}`, await started(startThinkgate({ name: `thinkgate-${name}`, dist, reasoningUrl: upstream.url, directUrl: upstream.url }))]);
  }
  const portkey = values['no-portkey'] ? null : await started(startPortkey());
  const procs: Record<string, ServerProcess> = { direct: upstream, thinkgate };
  for (const [name, proc] of baselines) procs[name] = proc;
  if (portkey) procs.portkey = portkey;
  // Only in the throughput run: the stack's own floor for a proxy, next to direct and thinkgate.
  const minimal = only.has('proxy') ? await started(startMinimalProxy(upstream.url)) : null;
  const targetsFor = (body: string): Record<string, ReturnType<typeof targetFor>> =>
    Object.fromEntries(
      Object.entries(procs).map(([name, p]) => [
        name,
        { ...targetFor(name.startsWith('thinkgate') ? 'thinkgate' : (name as Contender), p.url, upstream.url, body), pid: p.pid, ...(name === 'thinkgate' ? { gcLog } : {}) },
      ]),
    );

  const results: BenchResults = { date: new Date().toISOString(), command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(), machine, settings, scenarios: {} };
  if (only.has('proxy')) {
    log('non-streaming throughput');
    const withFloor: Record<string, Target> = targetsFor(CHAT_BODY);
    if (minimal) withFloor['minimal-proxy'] = { ...targetFor('minimal-proxy', minimal.url, upstream.url, CHAT_BODY), pid: minimal.pid };
    results.scenarios.throughput = await measureThroughput(withFloor, settings);
    // Not the peer: a paired run favours whichever server needs fewer wake-ups per request (Portkey's CPU per
    // request fell from ~1,500 to ~1,100 µs when paired with thinkgate), so it only compares like with like.
    if (minimal) {
      log('paired: thinkgate vs the minimal proxy, loaded together');
      const pair: [string, Target, string, Target] = ['minimal-proxy', withFloor['minimal-proxy'] as Target, 'thinkgate', withFloor.thinkgate as Target];
      (results.scenarios.paired ??= []).push(...(await measurePaired([pair], settings)));
    }
    log('non-streaming latency (1 connection)');
    results.scenarios.latency = await oneCpu(() => measureLatency(targetsFor(CHAT_BODY), settings));
  }
  if (only.has('stream')) {
    log('streaming time to first byte and total (1 connection)');
    results.scenarios.streaming = await oneCpu(() => measureLatency(targetsFor(STREAM_BODY), settings));
  }
  if (only.has('cache')) {
    log('cache hit vs bare fastify and vs the same app answering a constant');
    const bare = await started(startBareFastify());
    const constant = await started(startAppConstant({ reasoningUrl: upstream.url, directUrl: upstream.url }));
    // The same cacheable request to every contender; only the server and its path differ.
    const cacheable = (p: ServerProcess, path = '/v1/chat/completions'): Target => ({ url: `${p.url}${path}`, body: CACHEABLE_BODY, headers: {}, pid: p.pid });
    const cacheTarget = cacheable(thinkgate);
    const constantTarget = cacheable(constant, '/v1/constant');
    // Baseline builds' cache hits run in the same rounds (before/after of the hit path).
    const baselineHits = baselines.map(([name, p]): [string, Target] => [`${name}-cache`, cacheable(p)]);
    const r: CacheResult = await measureCache(
      { 'bare-fastify': cacheable(bare), 'thinkgate-constant': constantTarget, ...Object.fromEntries(baselineHits) },
      cacheTarget,
      settings,
    );
    results.scenarios.cache = r;
    if (r.present) {
      log('paired: cache hit vs bare fastify and vs the same app answering a constant, loaded together');
      const pairs: [string, Target, string, Target][] = [
        ['bare-fastify', cacheable(bare), 'thinkgate-cache', { ...cacheTarget, gcLog }],
        ['thinkgate-constant', constantTarget, 'thinkgate-cache', { ...cacheTarget, gcLog }],
      ];
      for (const [name, target] of baselineHits) pairs.push([name, target, 'thinkgate-cache', cacheTarget]);
      (results.scenarios.paired ??= []).push(...(await measurePaired(pairs, settings)));
    }
  }
  if (only.has('responses')) {
    log('Responses API vs chat: paired CPU per request, streaming time to first byte');
    const second = await started(startThinkgate({ name: 'thinkgate-responses', reasoningUrl: upstream.url, directUrl: upstream.url, traceGc: true }));
    results.scenarios.responses = await measureResponses(thinkgate, second, upstream, UPSTREAM_KEY, settings, oneCpu);
  }
  if (only.has('gate')) {
    log('gate scoring');
    const g: GateResult = await measureGate(settings.rounds + 2);
    results.scenarios.gate = g;
  }
  if (only.has('gc')) {
    const runs = Number(values['gc-runs']);
    log(`GC spread: ${runs} fresh gateways loaded alone at ${settings.connections} connections, GC mode from --trace-gc-nvp`);
    results.scenarios.gc = await measureGcSpread(upstream, (tg) => targetFor('thinkgate', tg.url, upstream.url, CHAT_BODY), {
      runs,
      connections: settings.connections,
      durationS: settings.durationS,
      nodeArgs: [...GATEWAY_V8_FLAGS],
      log: (run, i) => log(`  run ${i + 1}: ${run.cpuUsPerReq} µs/req, ${run.promotedBytesPerReq} B promoted/req (${run.mode})`),
    });
  }
  if (only.has('memory')) {
    log(`RSS: idle, 256 connections, ${values.streams} open streams`);
    const m: MemoryResult = await measureMemory(upstream, settings.durationS, Number(values.streams));
    results.scenarios.memory = m;
  }
  machine.loadAvg1mEnd = Math.round((loadavg()[0] ?? 0) * 100) / 100;
  return results;
}

try {
  const results = await main();
  const day = results.date.slice(0, 10);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  // Every run keeps its own file: the start time (UTC) in the name, so a later run the same day never replaces it.
  const stamp = `${day}T${results.date.slice(11, 19).replace(/:/g, '')}Z`;
  const file = join(dir, values.label ? `${stamp}-${values.label}.json` : `${stamp}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  const summary = renderSummary(results);
  process.stdout.write(`${summary}\n`);
  if (!values['no-docs']) updateDocs(join(ROOT, 'docs', 'benchmarks.md'), summary);
  log(`results written to ${file} (server logs in ${WORK_DIR})`);
} finally {
  await Promise.all(processes.map((p) => p.stop()));
}
