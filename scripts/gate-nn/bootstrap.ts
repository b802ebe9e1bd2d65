import { rocAuc } from '../../src/gate/metrics.js';
import { seededRandom } from '../../src/gate/prng.js';

/** One prompt scored by two gates: the group it is resampled with (its source, or itself) and both scores. */
export interface PairedScore {
  group: string;
  reasoning: boolean;
  base: number;
  candidate: number;
}

export interface PairedDifference {
  /** AUC(candidate) − AUC(base) on the data as it is. */
  difference: number;
  /** 5th and 95th percentiles of the difference over the resamples: a 90 % interval. */
  low: number;
  high: number;
}

/**
 * Paired bootstrap of an AUC difference: whole groups are drawn with replacement (for leave-one-source-out data the
 * group is the source, so the interval reflects how much the figures move from one source to another, the unit the
 * held-out evaluation generalises over), and both gates are scored on the same draw. Seeded (prng.ts): reproducible.
 * Resamples where one class is missing are skipped.
 */
export function pairedAucBootstrap(scores: readonly PairedScore[], resamples: number, seed: number): PairedDifference {
  const auc = (rows: readonly PairedScore[], key: 'base' | 'candidate'): number => rocAuc(rows.map((r) => ({ score: r[key], reasoning: r.reasoning })));
  const groups = new Map<string, PairedScore[]>();
  for (const s of scores) groups.set(s.group, [...(groups.get(s.group) ?? []), s]);
  const members = [...groups.values()];
  const random = seededRandom(seed);
  const differences: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const draw: PairedScore[] = [];
    for (let g = 0; g < members.length; g++) draw.push(...(members[Math.floor(random() * members.length)] ?? []));
    const d = auc(draw, 'candidate') - auc(draw, 'base');
    if (!Number.isNaN(d)) differences.push(d);
  }
  differences.sort((a, b) => a - b);
  const at = (q: number): number => differences[Math.min(differences.length - 1, Math.floor(q * differences.length))] ?? Number.NaN;
  return { difference: auc(scores, 'candidate') - auc(scores, 'base'), low: at(0.05), high: at(0.95) };
}
