/**
 * Folding difficulty into the gate's score without moving what the threshold means.
 *
 * The route is decided by the need to reason alone (need ≥ threshold → reasoning). The printed score then orders
 * prompts *within* each side of the threshold by need and difficulty together, so that one number serves both uses
 * the score has: a threshold for the route, and a ranking for tiers and cost–quality curves (RouteLLM's APGR ranks
 * prompts by it). Above the threshold: score = t + (1 − t)·σ(a·z + b·logit(d)); below: score = t·σ(c + z + e·logit(d)),
 * where z = logit(need) − logit(t) and d the difficulty. Both maps stay strictly on their side of t, so
 * `score >= t` ⇔ `need >= t` always holds.
 */

export interface DifficultyFold {
  /** a: weight of the need's distance from the threshold above it. */
  needAbove: number;
  /** b: weight of difficulty above the threshold (the reasoning side: which maths problem is harder). */
  difficultyAbove: number;
  /** c: shift of the side below the threshold (a prompt just below it scores about t·σ(c)). */
  shiftBelow: number;
  /** e: weight of difficulty below the threshold (kept small: there the need still has to rank). */
  difficultyBelow: number;
}

/** Chosen by leave-one-source-out AUC / savings at 95 % recall on dev.jsonl and held-out APGR on difficulty.jsonl (docs/gate.md). */
export const DEFAULT_FOLD: DifficultyFold = { needAbove: 0.3, difficultyAbove: 1, shiftBelow: 2, difficultyBelow: 0.3 };

const EDGE = 1e-6;
const MAX_LOGIT = 30;

function logit(p: number): number {
  const q = Math.min(1 - EDGE, Math.max(EDGE, p));
  return Math.log(q / (1 - q));
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-Math.max(-MAX_LOGIT, Math.min(MAX_LOGIT, x))));
}

/** The folded score for a need and difficulty (both 0..1) at a threshold (0..1). Pure. */
export function foldScore(need: number, difficulty: number, threshold: number, fold: DifficultyFold = DEFAULT_FOLD): number {
  const z = logit(need) - logit(threshold);
  const d = logit(difficulty);
  if (need >= threshold) return Math.min(1, threshold + (1 - threshold) * sigmoid(fold.needAbove * z + fold.difficultyAbove * d));
  const below = threshold * sigmoid(fold.shiftBelow + z + fold.difficultyBelow * d);
  // Rounding can land a product on t itself when t is tiny (subnormal): stay strictly below it.
  return below < threshold ? below : threshold / 2;
}
