import { thresholdForShare } from './metrics.js';

/**
 * Online threshold controller. Pure apart from the injected clock; all state lives in the instance.
 *  - targetReasoningShare: the threshold follows the (1 − target) quantile of the last `window` scores, so the share of
 *    traffic sent to reasoning stays near the target as the traffic mix drifts.
 *  - reasoningBudget: as the current hour's reasoning spend approaches the budget, the threshold rises smoothly towards
 *    `maxThreshold`. It never refuses: above-budget traffic still flows, only more of it goes direct.
 */

export interface ReasoningBudget {
  reasoningTokensPerHour?: number | undefined;
  costPerHour?: number | undefined;
  /** Fraction of the hourly budget spent before the threshold starts to rise. */
  softStart?: number | undefined;
  /** Threshold once the budget is exhausted (< 1, so the hardest prompts still reach reasoning). */
  maxThreshold?: number | undefined;
}

export interface ControllerConfig {
  baseThreshold: number;
  targetReasoningShare?: number | undefined;
  /** Scores remembered for the quantile estimate (bounded memory). */
  window?: number | undefined;
  /** Scores needed before the quantile replaces the base threshold. */
  minObservations?: number | undefined;
  reasoningBudget?: ReasoningBudget | undefined;
}

export interface ControllerState {
  baseThreshold: number;
  effectiveThreshold: number;
  targetReasoningShare: number | null;
  quantileThreshold: number | null;
  observedScores: number;
  windowSize: number;
  /** Share of the remembered scores at or above the effective threshold. */
  recentReasoningShare: number | null;
  budget: {
    hourStartMs: number;
    reasoningTokens: number;
    cost: number;
    reasoningTokensPerHour: number | null;
    costPerHour: number | null;
    usedFraction: number;
    thresholdRaise: number;
  } | null;
}

/** A reasoning call's spend: tokens it produced and what it cost in USD (either may be unknown). */
export interface ReasoningSpend {
  tokens?: number;
  cost?: number;
}

export interface ThresholdController {
  effectiveThreshold(): number;
  observeScore(score: number): void;
  recordReasoningSpend(spend: ReasoningSpend): void;
  state(): ControllerState;
}

const HOUR_MS = 3_600_000;
const DEFAULT_WINDOW = 2_000;
const DEFAULT_MIN_OBSERVATIONS = 50;
/** Re-sorting the window on every request would cost ~100 µs; the quantile moves slowly, so refresh it periodically. */
const REFRESH_EVERY = 25;

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** 0 → 0, 1 → 1, flat at both ends: no sudden jump when the raise starts or saturates. */
function smoothstep(x: number): number {
  const t = clamp(x, 0, 1);
  return t * t * (3 - 2 * t);
}

export function createThresholdController(config: ControllerConfig, clock: () => number = Date.now): ThresholdController {
  const windowSize = Math.max(1, Math.floor(config.window ?? DEFAULT_WINDOW));
  const minObservations = Math.max(1, Math.floor(config.minObservations ?? DEFAULT_MIN_OBSERVATIONS));
  const base = clamp(config.baseThreshold, 0, 1);
  const target = config.targetReasoningShare;
  const budget = config.reasoningBudget;
  const softStart = clamp(budget?.softStart ?? 0.5, 0, 0.99);
  const maxThreshold = clamp(budget?.maxThreshold ?? 0.95, 0, 1);
  const ring = new Float64Array(windowSize);
  let stored = 0;
  let next = 0;
  let observed = 0;
  let sinceRefresh = 0;
  let quantile: number | null = null;
  let hourStart = Math.floor(clock() / HOUR_MS) * HOUR_MS;
  let tokens = 0;
  let cost = 0;

  const rollHour = (): void => {
    const currentHour = Math.floor(clock() / HOUR_MS) * HOUR_MS;
    if (currentHour !== hourStart) {
      hourStart = currentHour;
      tokens = 0;
      cost = 0;
    }
  };
  const refreshQuantile = (): void => {
    sinceRefresh = 0;
    if (target === undefined || stored < minObservations) return;
    quantile = thresholdForShare(Array.from(ring.subarray(0, stored)), target);
  };
  const usedFraction = (): number => {
    rollHour();
    const byTokens = budget?.reasoningTokensPerHour ? tokens / budget.reasoningTokensPerHour : 0;
    const byCost = budget?.costPerHour ? cost / budget.costPerHour : 0;
    return Math.max(byTokens, byCost);
  };
  const baseOrQuantile = (): number => quantile ?? base;
  const raise = (from: number): number => {
    if (!budget) return 0;
    const progress = (usedFraction() - softStart) / (1 - softStart);
    return Math.max(0, maxThreshold - from) * smoothstep(progress);
  };
  const effectiveThreshold = (): number => {
    const from = baseOrQuantile();
    return clamp(from + raise(from), 0, 1);
  };

  return {
    effectiveThreshold,
    observeScore(score: number): void {
      if (!Number.isFinite(score)) return;
      ring[next] = clamp(score, 0, 1);
      next = (next + 1) % windowSize;
      stored = Math.min(stored + 1, windowSize);
      observed++;
      if (++sinceRefresh >= REFRESH_EVERY || (quantile === null && stored >= minObservations)) refreshQuantile();
    },
    recordReasoningSpend(spend: ReasoningSpend): void {
      rollHour();
      if (spend.tokens !== undefined && Number.isFinite(spend.tokens) && spend.tokens > 0) tokens += spend.tokens;
      if (spend.cost !== undefined && Number.isFinite(spend.cost) && spend.cost > 0) cost += spend.cost;
    },
    state(): ControllerState {
      const effective = effectiveThreshold();
      let atOrAbove = 0;
      for (let i = 0; i < stored; i++) if ((ring[i] ?? 0) >= effective) atOrAbove++;
      return {
        baseThreshold: base,
        effectiveThreshold: effective,
        targetReasoningShare: target ?? null,
        quantileThreshold: quantile,
        observedScores: observed,
        windowSize,
        recentReasoningShare: stored === 0 ? null : atOrAbove / stored,
        budget: budget
          ? {
              hourStartMs: hourStart,
              reasoningTokens: tokens,
              cost,
              reasoningTokensPerHour: budget.reasoningTokensPerHour ?? null,
              costPerHour: budget.costPerHour ?? null,
              usedFraction: usedFraction(),
              thresholdRaise: raise(baseOrQuantile()),
            }
          : null,
      };
    },
  };
}
