import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { LatencySample, ThroughputSample } from './load.js';
import { ratio } from './stats.js';
import type { Measured, ProxySettings } from '../scenarios/proxy.js';
import type { CacheResult } from '../scenarios/cache.js';
import type { PairedResult } from '../scenarios/paired.js';
import type { GateResult } from '../scenarios/gate.js';
import type { MemoryResult } from '../scenarios/memory.js';
import type { GcSpreadResult } from '../scenarios/gc.js';
import type { ResponsesResult } from '../scenarios/responses.js';

export interface BenchResults {
  date: string;
  command: string;
  machine: { nproc: number; cpu: string; node: string; loadAvg1mStart: number; loadAvg1mEnd: number; commit: string; pinned?: string };
  settings: ProxySettings;
  scenarios: {
    throughput?: Record<string, Measured<ThroughputSample>>;
    latency?: Record<string, Measured<LatencySample>>;
    streaming?: Record<string, Measured<LatencySample>>;
    cache?: CacheResult;
    paired?: PairedResult[];
    gate?: GateResult;
    memory?: MemoryResult;
    responses?: ResponsesResult;
    gc?: GcSpreadResult;
  };
}

const fmt = (n: number | undefined, digits = 2): string => (n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits));
const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'n/a' : ok ? 'met' : '**missed**');
const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;

/** Markdown: machine facts, the medians, and each target with its ratio and verdict. */
export function renderSummary(r: BenchResults): string {
  const s = r.scenarios;
  const rps = (k: string): number | undefined => s.throughput?.[k]?.median.rps;
  const cpu = (k: string): number | undefined => s.throughput?.[k]?.median.cpuUsPerReq;
  const lat = (k: string): number | undefined => s.latency?.[k]?.median.totalP50Ms;
  const ttfb = (k: string): number | undefined => s.streaming?.[k]?.median.ttfbP50Ms;
  // Only the start counts: by the end, the benchmark's own processes have raised the load average themselves.
  const underLoad = r.machine.loadAvg1mStart > 1.5;
  const lines: string[] = [
    `Run ${r.date} · commit ${r.machine.commit} · \`${r.command}\``,
    '',
    `Machine: ${r.machine.nproc} × ${r.machine.cpu}, node ${r.machine.node}, load average (1 min) ${r.machine.loadAvg1mStart} at start (${r.machine.loadAvg1mEnd} at end, raised by the benchmark itself).` +
      (r.machine.pinned === undefined ? '' : ` Pinned: ${r.machine.pinned}.`) +
      (underLoad ? ' **Measured under load from other processes: absolute figures are not meaningful; ratios (same run, interleaved) are indicative.**' : ''),
    `Settings: ${r.settings.rounds} interleaved rounds, ${r.settings.durationS} s per throughput run at ${r.settings.connections} connections, ${r.settings.latencyMs} ms per latency run at 1 connection` +
      (r.settings.latencyWarmupMs === undefined ? '' : ` after ${r.settings.latencyWarmupMs} ms untimed warm-up per contender`) +
      '; medians of rounds.',
    '',
  ];

  lines.push(...pairedFirst(r));

  const targets: string[][] = [];
  const tgDirect = ratio(rps('thinkgate') ?? NaN, rps('direct') ?? NaN);
  const tgPeer = ratio(rps('thinkgate') ?? NaN, rps('portkey') ?? NaN);
  const addedLat = (lat('thinkgate') ?? NaN) - (lat('direct') ?? NaN);
  const addedTtfb = (ttfb('thinkgate') ?? NaN) - (ttfb('direct') ?? NaN);
  if (s.throughput) {
    targets.push(['non-streaming req/s, thinkgate (no-store) ÷ direct', '≥ 0.45', fmt(tgDirect), verdict(Number.isFinite(tgDirect) ? tgDirect >= 0.45 : undefined)]);
    if (rps('minimal-proxy') !== undefined) {
      targets.push(['context: req/s, minimal fastify + undici proxy ÷ direct (the stack\'s floor)', '–', fmt(ratio(rps('minimal-proxy') ?? NaN, rps('direct') ?? NaN)), '']);
      targets.push(['context: req/s, thinkgate ÷ minimal proxy', '–', fmt(ratio(rps('thinkgate') ?? NaN, rps('minimal-proxy') ?? NaN)), '']);
    }
    if (rps('portkey') !== undefined) targets.push(['non-streaming req/s, thinkgate ÷ Portkey', '≥ 6', fmt(tgPeer), verdict(tgPeer >= 6)]);
  }
  if (s.latency) targets.push(['added p50 latency (1 connection)', '< 1 ms', `${fmt(addedLat, 3)} ms`, verdict(addedLat < 1)]);
  if (s.streaming) {
    targets.push(['added p50 time to first byte, streaming', '< 0.5 ms', `${fmt(addedTtfb, 3)} ms`, verdict(addedTtfb < 0.5)]);
    const addedP99 = (s.streaming.thinkgate?.median.ttfbP99Ms ?? NaN) - (s.streaming.direct?.median.ttfbP99Ms ?? NaN);
    targets.push(['added p99 time to first byte, streaming', '< 1 ms', `${fmt(addedP99, 3)} ms`, verdict(Number.isFinite(addedP99) ? addedP99 < 1 : undefined)]);
  }
  if (s.cache?.results) {
    const c = ratio(s.cache.results['thinkgate-cache'].median.rps, s.cache.results['bare-fastify'].median.rps);
    targets.push(['cache hit req/s ÷ bare fastify', '≥ 0.7', s.cache.present ? fmt(c) : `${fmt(c)} (cache not present: this is proxying)`, s.cache.present ? verdict(c >= 0.7) : 'n/a']);
    const constant = s.cache.results['thinkgate-constant'];
    if (constant !== undefined && s.cache.present) {
      const inApp = ratio(s.cache.results['thinkgate-cache'].median.rps, constant.median.rps);
      targets.push(['cache hit req/s ÷ the same app answering a constant JSON body', '≥ 0.7', fmt(inApp), verdict(inApp >= 0.7)]);
    }
    if (s.cache.present) {
      const p99 = s.cache.results['thinkgate-cache'].median.p99Ms;
      const at32 = r.settings.connections === 32;
      targets.push([`cache hit p99 at ${r.settings.connections} connections`, '< 5 ms at 32', `${fmt(p99, 2)} ms`, at32 ? verdict(p99 < 5) : 'n/a (run with --connections 32)']);
    }
  }
  if (s.responses) {
    // Its paired CPU ratio is among the paired figures, printed first.
    const st = s.responses.streaming;
    const addedCreated = st.responses.median.ttfbP50Ms - st.direct.median.ttfbP50Ms;
    targets.push(['added p50 time to response.created over the upstream\'s first byte', '< 2 ms', `${fmt(addedCreated, 3)} ms`, verdict(addedCreated < 2)]);
  }
  if (s.memory) {
    targets.push(['RSS idle (default cache), 1 s after start', '< 120 MB', `${fmt(s.memory.idleMB, 1)} MB`, verdict(s.memory.idleMB < 120)]);
    const settled = s.memory.idleSettledMB;
    if (settled !== undefined) targets.push(['RSS idle (default cache), settled: lowest over 30 s without a request', '< 120 MB', `${fmt(settled, 1)} MB`, verdict(settled < 120)]);
    targets.push([
      `RSS holding ${s.memory.openStreamsReached}/${s.memory.openStreamsTarget} open streams`,
      '< 300 MB',
      `${fmt(s.memory.holdingStreamsMB, 1)} MB`,
      verdict(s.memory.openStreamsReached === s.memory.openStreamsTarget ? s.memory.holdingStreamsMB < 300 : undefined),
    ]);
  }
  for (const name of Object.keys(s.throughput ?? s.streaming ?? {}).filter((k) => k.startsWith('thinkgate-'))) {
    const label = name.slice('thinkgate-'.length);
    if (s.throughput) {
      targets.push([`before/after: req/s, this build ÷ ${label}`, '> 1', fmt(ratio(rps('thinkgate') ?? NaN, rps(name) ?? NaN)), '']);
      targets.push([`before/after: CPU µs per request, this build ÷ ${label}`, '< 1', fmt(ratio(cpu('thinkgate') ?? NaN, cpu(name) ?? NaN)), '']);
    }
    if (s.latency) targets.push([`before/after: p50 latency, this build ÷ ${label}`, '< 1', fmt(ratio(lat('thinkgate') ?? NaN, lat(name) ?? NaN)), '']);
    if (s.streaming) targets.push([`before/after: p50 streaming ttfb, this build ÷ ${label}`, '< 1', fmt(ratio(ttfb('thinkgate') ?? NaN, ttfb(name) ?? NaN)), '']);
    const baseHit = s.cache?.results?.[`${name}-cache`];
    if (s.cache?.results && baseHit !== undefined) {
      const hit = s.cache.results['thinkgate-cache'].median;
      targets.push([`before/after: cache hit req/s, this build ÷ ${label}`, '> 1', fmt(ratio(hit.rps, baseHit.median.rps)), '']);
      targets.push([`before/after: cache hit CPU µs per request, this build ÷ ${label}`, '< 1', fmt(ratio(hit.cpuUsPerReq, baseHit.median.cpuUsPerReq)), '']);
    }
  }
  lines.push(row(['target', 'goal', 'this run', 'verdict']), row(['---', '---', '---', '---']), ...targets.map(row), '');

  const table = (title: string, m: Record<string, Measured<LatencySample>> | undefined): void => {
    if (!m) return;
    // The warm-up's p99 beside the rounds': what the first seconds of a process give while V8 still compiles.
    lines.push(`**${title}** (ms, medians)`, '', row(['contender', 'ttfb p50', 'ttfb p99', 'total p50', 'total p99', 'requests', 'warm-up ttfb p99']), row(['---', '---', '---', '---', '---', '---', '---']));
    for (const [k, v] of Object.entries(m)) lines.push(row([k, fmt(v.median.ttfbP50Ms, 3), fmt(v.median.ttfbP99Ms, 3), fmt(v.median.totalP50Ms, 3), fmt(v.median.totalP99Ms, 3), String(v.median.count), v.warmup === undefined ? '–' : fmt(v.warmup.ttfbP99Ms, 3)]));
    lines.push('');
  };
  const rpsTable = (title: string, m: Partial<Record<string, Measured<ThroughputSample>>> | undefined): void => {
    if (!m) return;
    lines.push(`**${title}**`, '', row(['contender', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'errors', 'non-2xx']), row(['---', '---', '---', '---', '---', '---', '---']));
    for (const [k, v] of Object.entries(m)) {
      if (v === undefined) continue;
      lines.push(row([k, fmt(v.median.rps, 0), fmt(v.median.p50Ms, 2), fmt(v.median.p99Ms, 2), fmt(v.median.cpuUsPerReq, 0), String(v.median.errors), String(v.median.non2xx)]));
    }
    lines.push('');
  };
  rpsTable(`Non-streaming throughput (${r.settings.connections} connections)`, s.throughput);
  table('Non-streaming latency, 1 connection', s.latency);
  table('Streaming (role + 8 content chunks + finish + usage events), 1 connection', s.streaming);
  if (s.gc) {
    const g = s.gc;
    lines.push(
      `**GC spread**: ${g.runs.length} fresh gateways (\`${g.nodeArgs.join(' ') || 'V8 defaults'}\`) loaded alone at ${g.connections} connections for ${g.durationS} s each; max ÷ min CPU per request ${fmt(g.cpuSpread)} (target ≤ 1.25: ${verdict(g.cpuSpread <= 1.25)}), ${g.promotingRuns} run(s) in the promoting mode.`,
      '',
      row(['run', 'req/s', 'CPU µs/req', 'promoted B/req', 'GC µs/req', 'scavenges', 'mark-compacts', 'mode']),
      row(['---', '---', '---', '---', '---', '---', '---', '---']),
      ...g.runs.map((x, i) => row([String(i + 1), String(x.rps), String(x.cpuUsPerReq), String(x.promotedBytesPerReq), fmt(x.gcPauseUsPerReq, 1), String(x.scavenges), String(x.markCompacts), x.mode])),
      '',
    );
  }
  if (s.cache) rpsTable(`Cache: ${s.cache.note}`, s.cache.results ?? undefined);
  if (s.responses) {
    const p = s.responses.paired;
    lines.push(`**Responses API vs chat** (paired, CPU µs per request): chat ${fmt(p.a_cpuUsPerReq, 0)}, responses ${fmt(p.b_cpuUsPerReq, 0)}, ratio per round ${p.cpuRatios.map((x) => fmt(x)).join(' ')}.`, '');
    table('Streaming, direct vs chat vs Responses (time to first byte: the first chunk, response.created)', s.responses.streaming);
  }
  if (s.gate) lines.push(`**Gate** \`${s.gate.gate}\`: ${Object.entries(s.gate.microsPerRequest).map(([k, v]) => `${k} ${fmt(v)} µs`).join(', ')} per request.`, '');
  const stages = s.gate?.stages;
  if (stages) {
    lines.push(
      `Two stages: over the ${stages.n} prompts of test/gate/fresh-eval.jsonl the first stage decides ${fmt(stages.firstStageShare * 100)} % (p50 ${fmt(stages.firstP50)} / p99 ${fmt(stages.firstP99)} µs per prompt); the second stage, a whole read of a 12 KB turn, costs p50 ${fmt(stages.secondP50)} / p99 ${fmt(stages.secondP99)} µs (${stages.secondSamples ?? 300} samples).`,
      '',
    );
  }
  if (s.memory) {
    const m = s.memory;
    lines.push(`**RSS**: idle ${fmt(m.idleMB, 1)} MB 1 s after start${m.idleSettledMB === undefined ? '' : ` (${fmt(m.idleSettledMB, 1)} MB settled)`}, peak under 256 connections ${fmt(m.under256ConnectionsMB, 1)} MB, idle after load ${fmt(m.idleAfterLoadMB, 1)} MB, holding ${m.openStreamsReached} open streams ${fmt(m.holdingStreamsMB, 1)} MB.`, '');
  }
  return lines.join('\n');
}

/** Per-round ratios, a round run with a side's young generation promoting marked `*` (it measures the GC mode). */
const rounds = (ratios: readonly number[], disturbed: readonly boolean[] | undefined): string =>
  ratios.map((x, i) => `${fmt(x)}${disturbed?.[i] === true ? '*' : ''}`).join(' ');

/**
 * The primary figures, printed first: CPU per request of two servers loaded at the same time (or, for the two paths
 * of one process, in adjacent windows), as ratios. They hold still where req/s ratios move ±25 % from run to run.
 */
function pairedFirst(r: BenchResults): string[] {
  const s = r.scenarios;
  const pair = (a: string, b: string) => s.paired?.find((p) => p.a === a && p.b === b);
  const rows: string[][] = [];
  const proxy = pair('minimal-proxy', 'thinkgate');
  if (proxy) rows.push(['cache-bypassed chat request: thinkgate ÷ minimal proxy (fastify + undici)', '≤ 1.8', fmt(proxy.medianCpuRatio), rounds(proxy.cpuRatios, proxy.gcDisturbed), `${fmt(proxy.b_cpuUsPerReq, 0)} / ${fmt(proxy.a_cpuUsPerReq, 0)}`, verdict(proxy.medianCpuRatio <= 1.8)]);
  const resp = s.responses?.paired;
  if (resp !== undefined) {
    rows.push(['same prompt: Responses path ÷ chat path (two gateways)', '≤ 1.3', fmt(resp.medianCpuRatio), rounds(resp.cpuRatios, resp.gcDisturbed), `${fmt(resp.b_cpuUsPerReq, 0)} / ${fmt(resp.a_cpuUsPerReq, 0)}`, verdict(resp.medianCpuRatio <= 1.3)]);
    if (proxy) {
      const viaChat = Math.round(resp.medianCpuRatio * proxy.medianCpuRatio * 1000) / 1000;
      rows.push(['cache-bypassed Responses request ÷ minimal proxy (the two ratios above multiplied)', '≤ 1.8', fmt(viaChat), '', '', verdict(viaChat <= 1.8)]);
    }
  }
  const hit = pair('bare-fastify', 'thinkgate-cache');
  if (hit) rows.push(['cache hit: thinkgate ÷ bare fastify', '≤ 1.6', fmt(hit.medianCpuRatio), rounds(hit.cpuRatios, hit.gcDisturbed), `${fmt(hit.b_cpuUsPerReq, 0)} / ${fmt(hit.a_cpuUsPerReq, 0)}`, verdict(hit.medianCpuRatio <= 1.6)]);
  const constant = pair('thinkgate-constant', 'thinkgate-cache');
  if (constant) rows.push(['context: cache hit ÷ the same app answering a constant', '–', fmt(constant.medianCpuRatio), rounds(constant.cpuRatios, constant.gcDisturbed), `${fmt(constant.b_cpuUsPerReq, 0)} / ${fmt(constant.a_cpuUsPerReq, 0)}`, '']);
  for (const p of s.paired ?? []) {
    if (p === proxy || p === hit || p === constant) continue;
    rows.push([`${p.b} ÷ ${p.a}`, '–', fmt(p.medianCpuRatio), rounds(p.cpuRatios, p.gcDisturbed), `${fmt(p.b_cpuUsPerReq, 0)} / ${fmt(p.a_cpuUsPerReq, 0)}`, '']);
  }
  const tgCpu = s.throughput?.thinkgate?.median.cpuUsPerReq;
  const pkCpu = s.throughput?.portkey?.median.cpuUsPerReq;
  if (tgCpu !== undefined && pkCpu !== undefined) {
    const cheaper = ratio(pkCpu, tgCpu);
    rows.push(['Portkey ÷ thinkgate, CPU per cache-bypassed request (solo runs, not paired)', '≥ 6', fmt(cheaper), '', `${fmt(pkCpu, 0)} / ${fmt(tgCpu, 0)}`, verdict(cheaper >= 6)]);
  }
  if (rows.length === 0) return [];
  return [
    '**Paired CPU per request** (the primary figures: both servers loaded at once, half the connections each; medians of rounds; `*` = a round run with a side\'s young generation in the promoting GC mode)',
    '',
    row(['ratio', 'goal', 'median', 'per round', 'µs/req (b / a)', 'verdict']),
    row(['---', '---', '---', '---', '---', '---']),
    ...rows.map(row),
    '',
  ];
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/** Replaces the generated section of docs/benchmarks.md, leaving the hand-written parts alone. */
export function updateDocs(path: string, summary: string): void {
  const block = `${START}\n${summary}\n${END}`;
  const text = existsSync(path) ? readFileSync(path, 'utf8') : `# Benchmarks\n\n${START}\n${END}\n`;
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  writeFileSync(path, a === -1 || b === -1 ? `${text.trimEnd()}\n\n${block}\n` : text.slice(0, a) + block + text.slice(b + END.length));
}
