/**
 * Graded tiers: score bands → direct, reasoning with low effort, reasoning with high effort.
 * Pure; passing the effort on to the upstream request is the proxy's job.
 */

export type Effort = 'low' | 'high';

export interface TierBand {
  /** Lower bound of the band (inclusive). */
  from: number;
  route: 'direct' | 'reasoning';
  effort?: Effort | undefined;
}

export interface TiersConfig {
  bands: readonly TierBand[];
}

export interface TierChoice {
  route: 'direct' | 'reasoning';
  effort?: Effort;
}

/** Used when `gate.tiers` is not configured: threshold splits direct/reasoning, the top band thinks hard. */
export function defaultTiers(threshold: number): TiersConfig {
  return {
    bands: [
      { from: 0, route: 'direct' },
      { from: threshold, route: 'reasoning', effort: 'low' },
      { from: threshold + (1 - threshold) * 0.6, route: 'reasoning', effort: 'high' },
    ],
  };
}

/** The band with the highest `from` that is ≤ score; below every band (or NaN) → direct. */
export function tierForScore(score: number, config: TiersConfig): TierChoice {
  let chosen: TierBand | undefined;
  const value = Number.isFinite(score) ? score : 0;
  for (const band of config.bands) {
    if (band.from <= value && (chosen === undefined || band.from >= chosen.from)) chosen = band;
  }
  if (chosen === undefined || chosen.route === 'direct') return { route: 'direct' };
  return chosen.effort ? { route: 'reasoning', effort: chosen.effort } : { route: 'reasoning' };
}
