import { latency, throughput, type LatencySample, type Target, type ThroughputSample } from '../lib/load.js';
import { interleaved, medianOf } from '../lib/stats.js';

/**
 * Same request, same load, contenders interleaved round by round: throughput (autocannon), unloaded latency and
 * streaming time-to-first-byte (hrtime client, one connection, so the figure is the proxy's own added time).
 */

export interface ProxySettings {
  rounds: number;
  durationS: number;
  connections: number;
  latencyMs: number;
  /**
   * Untimed warm-up of each contender before the 1-connection latency rounds, in ms. V8 is still optimising the
   * stream path for several seconds after a gateway first streams: measured per 3 s round on a fresh gateway,
   * added first-byte p99 5.04, 1.21, then 0.70–0.78 ms for every later round (`bench/ttfb-tail.ts --rounds 8`). A
   * 300 ms warm-up left the rounds measuring that compilation, not the path; the warm-up's own figures are kept
   * (`warmup`), so the first seconds of a fresh process are reported, not hidden.
   */
  latencyWarmupMs: number;
}

export interface Measured<S> {
  rounds: S[];
  median: Record<keyof S, number>;
  /** The untimed warm-up's own figures (latency scenarios only): what a freshly started process gives. */
  warmup?: S;
}

const summarise = <K extends string, S extends object>(raw: Record<K, S[]>): Record<K, Measured<S>> =>
  Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, { rounds: v as S[], median: medianOf(v as S[]) }])) as Record<K, Measured<S>>;

export async function measureThroughput<K extends string>(targets: Record<K, Target>, s: ProxySettings): Promise<Record<K, Measured<ThroughputSample>>> {
  const names = Object.keys(targets) as K[];
  // One short untimed pass each: JIT warm-up and pool connections, so round 1 is not a cold start.
  for (const n of names) await throughput(targets[n], s.connections, 1);
  return summarise(await interleaved(s.rounds, names, (n) => throughput(targets[n], s.connections, s.durationS)));
}

export async function measureLatency<K extends string>(targets: Record<K, Target>, s: ProxySettings, concurrency = 1): Promise<Record<K, Measured<LatencySample>>> {
  const names = Object.keys(targets) as K[];
  const warmup = {} as Record<K, LatencySample>;
  for (const n of names) warmup[n] = await latency(targets[n], concurrency, s.latencyWarmupMs);
  const measured = summarise(await interleaved(s.rounds, names, (n) => latency(targets[n], concurrency, s.latencyMs)));
  for (const n of names) measured[n].warmup = warmup[n];
  return measured;
}
