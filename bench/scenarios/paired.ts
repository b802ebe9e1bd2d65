import { gcPromoting, throughput, type Target } from '../lib/load.js';
import { median } from '../lib/load.js';
import type { ProxySettings } from './proxy.js';

/**
 * Paired load: two servers loaded **at the same time**, half the connections each, and their CPU per request
 * compared within each round. Both live through the same moment of the machine (another VM's burst, a kworker),
 * so their ratio holds steady where back-to-back rounds swing by ±30 % on this shared VM. Used for the
 * before/after of one path against another; absolute figures are higher than alone (the two compete).
 */

export interface PairedResult {
  a: string;
  b: string;
  /** CPU µs per request of b ÷ a, per round. */
  cpuRatios: number[];
  medianCpuRatio: number;
  /**
   * Per round: a side traced with `--trace-gc-nvp` ran with its young generation in the promoting mode (see
   * scenarios/gc.ts), which moves its CPU per request by up to ~40 %: such a round measures the GC mode, not the path.
   */
  gcDisturbed?: boolean[];
  /** Bytes promoted per request, per round, of each traced side (NaN: not traced). */
  a_promotedBytesPerReq?: number[];
  b_promotedBytesPerReq?: number[];
  /** Medians of each side's CPU µs per request and req/s. */
  a_cpuUsPerReq: number;
  b_cpuUsPerReq: number;
  a_rps: number;
  b_rps: number;
}

export async function measurePaired(pairs: [string, Target, string, Target][], s: ProxySettings): Promise<PairedResult[]> {
  const half = Math.max(1, Math.floor(s.connections / 2));
  const out: PairedResult[] = [];
  for (const [aName, a, bName, b] of pairs) {
    // Untimed warm-up as long as a round: one side may be a process that has served nothing yet (the Responses
    // gateway starts fresh beside a chat gateway warm from the other scenarios), and V8 is still optimising its
    // request path for several seconds; a 1 s warm-up left the first two rounds measuring the JIT (1.8–2.0 × in
    // round 1, settling to ~1.3 by round 3).
    const warmS = Math.max(1, s.durationS);
    await Promise.all([throughput(a, half, warmS), throughput(b, half, warmS)]);
    const rounds: { a: Awaited<ReturnType<typeof throughput>>; b: Awaited<ReturnType<typeof throughput>> }[] = [];
    for (let i = 0; i < s.rounds; i++) {
      const [ra, rb] = await Promise.all([throughput(a, half, s.durationS), throughput(b, half, s.durationS)]);
      rounds.push({ a: ra, b: rb });
    }
    const cpuRatios = rounds.map((r) => Math.round((r.b.cpuUsPerReq / r.a.cpuUsPerReq) * 1000) / 1000);
    out.push({
      a: aName,
      b: bName,
      cpuRatios,
      medianCpuRatio: median(cpuRatios),
      gcDisturbed: rounds.map((r) => gcPromoting(r.a) || gcPromoting(r.b)),
      a_promotedBytesPerReq: rounds.map((r) => r.a.promotedBytesPerReq),
      b_promotedBytesPerReq: rounds.map((r) => r.b.promotedBytesPerReq),
      a_cpuUsPerReq: median(rounds.map((r) => r.a.cpuUsPerReq)),
      b_cpuUsPerReq: median(rounds.map((r) => r.b.cpuUsPerReq)),
      a_rps: Math.round(median(rounds.map((r) => r.a.rps))),
      b_rps: Math.round(median(rounds.map((r) => r.b.rps))),
    });
  }
  return out;
}
