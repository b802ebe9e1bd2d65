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
}

export interface Measured<S> {
  rounds: S[];
  median: Record<keyof S, number>;
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
  for (const n of names) await latency(targets[n], concurrency, 300);
  return summarise(await interleaved(s.rounds, names, (n) => latency(targets[n], concurrency, s.latencyMs)));
}
