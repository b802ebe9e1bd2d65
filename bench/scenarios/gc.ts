import { readFileSync, statSync } from 'node:fs';
import { logFileOf, startThinkgate } from '../lib/fleet.js';
import { throughput, type Target } from '../lib/load.js';
import type { ServerProcess } from '../lib/processes.js';
import { parseGcTrace, PROMOTING_BYTES_PER_REQ } from '../lib/gc-trace.js';

/**
 * The garbage collector's mode, run by run: a fresh gateway per run, started as operators start it plus
 * `--trace-gc-nvp` (V8 prints one `name=value` line per collection to stdout, which goes to the run's log file),
 * loaded alone at the given connections. The lines written during the measured window give bytes promoted and
 * GC pause per request: V8's young generation either keeps a request's short-lived objects until they die
 * ("steady": a few hundred bytes promoted per request) or promotes the in-flight ones to the old generation
 * ("promoting": kilobytes per request, then mark-compacts), and CPU per request follows that mode.
 */

export interface GcRun {
  requests: number;
  rps: number;
  cpuUsPerReq: number;
  /** Scavenges (young-generation collections) and mark-compacts in the measured window. */
  scavenges: number;
  markCompacts: number;
  /** Bytes promoted to the old generation per request. */
  promotedBytesPerReq: number;
  /** Heap growth between collections per request (V8's `allocated`; young and old allocations). */
  allocatedBytesPerReq: number;
  /** Main-thread GC pause per request, µs (all collections). */
  gcPauseUsPerReq: number;
  mode: 'steady' | 'promoting';
}

export interface GcSpreadResult {
  nodeArgs: string[];
  connections: number;
  durationS: number;
  runs: GcRun[];
  /** max ÷ min of the runs' CPU µs per request. */
  cpuSpread: number;
  /** Runs in the promoting mode. */
  promotingRuns: number;
}

const sizeOf = (file: string): number => statSync(file).size;

/** One fresh gateway, warmed for a second, then measured for `durationS`; stopped afterwards. */
async function oneRun(upstream: ServerProcess, target: (tg: ServerProcess) => Target, nodeArgs: string[], connections: number, durationS: number, i: number): Promise<GcRun> {
  const name = `thinkgate-gc-${i}`;
  const tg = await startThinkgate({ name, reasoningUrl: upstream.url, directUrl: upstream.url, nodeArgs, traceGc: true });
  const log = logFileOf(name);
  try {
    const t = { ...target(tg), pid: tg.pid };
    await throughput(t, connections, 1);
    const from = sizeOf(log);
    const r = await throughput(t, connections, durationS);
    const requests = Math.round(r.rps * durationS);
    const gc = parseGcTrace(readFileSync(log, 'utf8').slice(from));
    const per = (v: number): number => Math.round(v / Math.max(1, requests));
    const promotedBytesPerReq = per(gc.promoted);
    return {
      requests,
      rps: Math.round(r.rps),
      cpuUsPerReq: r.cpuUsPerReq,
      scavenges: gc.scavenges,
      markCompacts: gc.markCompacts,
      promotedBytesPerReq,
      allocatedBytesPerReq: per(gc.allocated),
      gcPauseUsPerReq: Math.round(((gc.pauseMs * 1000) / Math.max(1, requests)) * 10) / 10,
      mode: promotedBytesPerReq > PROMOTING_BYTES_PER_REQ ? 'promoting' : 'steady',
    };
  } finally {
    await tg.stop();
  }
}

export async function measureGcSpread(
  upstream: ServerProcess,
  target: (tg: ServerProcess) => Target,
  opts: { runs: number; connections: number; durationS: number; nodeArgs: string[]; log?: (run: GcRun, i: number) => void },
): Promise<GcSpreadResult> {
  const runs: GcRun[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const run = await oneRun(upstream, target, opts.nodeArgs, opts.connections, opts.durationS, i);
    opts.log?.(run, i);
    runs.push(run);
  }
  const cpus = runs.map((r) => r.cpuUsPerReq);
  return {
    nodeArgs: opts.nodeArgs,
    connections: opts.connections,
    durationS: opts.durationS,
    runs,
    cpuSpread: Math.round((Math.max(...cpus) / Math.min(...cpus)) * 1000) / 1000,
    promotingRuns: runs.filter((r) => r.mode === 'promoting').length,
  };
}
