import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { LatencySample, ThroughputSample } from './load.js';
import { ratio } from './stats.js';
import type { Measured, ProxySettings } from '../scenarios/proxy.js';
import type { CacheResult } from '../scenarios/cache.js';
import type { PairedResult } from '../scenarios/paired.js';
import type { GateResult } from '../scenarios/gate.js';
import type { MemoryResult } from '../scenarios/memory.js';

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
    `Settings: ${r.settings.rounds} interleaved rounds, ${r.settings.durationS} s per throughput run at ${r.settings.connections} connections, ${r.settings.latencyMs} ms per latency run at 1 connection; medians of rounds.`,
    '',
  ];

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
  if (s.streaming) targets.push(['added p50 time to first byte, streaming', '< 2 ms', `${fmt(addedTtfb, 3)} ms`, verdict(addedTtfb < 2)]);
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
  if (s.memory) {
    targets.push(['RSS idle (default cache)', '< 120 MB', `${fmt(s.memory.idleMB, 1)} MB`, verdict(s.memory.idleMB < 120)]);
    targets.push([
      `RSS holding ${s.memory.openStreamsReached}/${s.memory.openStreamsTarget} open streams`,
      '< 400 MB',
      `${fmt(s.memory.holdingStreamsMB, 1)} MB`,
      verdict(s.memory.openStreamsReached === s.memory.openStreamsTarget ? s.memory.holdingStreamsMB < 400 : undefined),
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
    lines.push(`**${title}** (ms, medians)`, '', row(['contender', 'ttfb p50', 'ttfb p99', 'total p50', 'total p99', 'requests']), row(['---', '---', '---', '---', '---', '---']));
    for (const [k, v] of Object.entries(m)) lines.push(row([k, fmt(v.median.ttfbP50Ms, 3), fmt(v.median.ttfbP99Ms, 3), fmt(v.median.totalP50Ms, 3), fmt(v.median.totalP99Ms, 3), String(v.median.count)]));
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
  if (s.cache) rpsTable(`Cache: ${s.cache.note}`, s.cache.results ?? undefined);
  if (s.paired && s.paired.length > 0) {
    lines.push('**Paired load** (both loaded at once, half the connections each; CPU µs per request, medians of rounds)', '', row(['a', 'b', 'a µs/req', 'b µs/req', 'b ÷ a CPU', 'per round']), row(['---', '---', '---', '---', '---', '---']));
    for (const p of s.paired) lines.push(row([p.a, p.b, fmt(p.a_cpuUsPerReq, 0), fmt(p.b_cpuUsPerReq, 0), fmt(p.medianCpuRatio), p.cpuRatios.map((x) => fmt(x)).join(' ')]));
    lines.push('');
  }
  if (s.gate) lines.push(`**Gate** \`${s.gate.gate}\`: ${Object.entries(s.gate.microsPerRequest).map(([k, v]) => `${k} ${fmt(v)} µs`).join(', ')} per request.`, '');
  const stages = s.gate?.stages;
  if (stages) {
    lines.push(
      `Two stages: over the ${stages.n} prompts of test/gate/fresh-eval.jsonl the first stage decides ${fmt(stages.firstStageShare * 100)} % (p50 ${fmt(stages.firstP50)} / p99 ${fmt(stages.firstP99)} µs per prompt); the second stage, a whole read of a 12 KB turn, costs p50 ${fmt(stages.secondP50)} / p99 ${fmt(stages.secondP99)} µs.`,
      '',
    );
  }
  if (s.memory) {
    const m = s.memory;
    lines.push(`**RSS**: idle ${fmt(m.idleMB, 1)} MB, peak under 256 connections ${fmt(m.under256ConnectionsMB, 1)} MB, idle after load ${fmt(m.idleAfterLoadMB, 1)} MB, holding ${m.openStreamsReached} open streams ${fmt(m.holdingStreamsMB, 1)} MB.`, '');
  }
  return lines.join('\n');
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
