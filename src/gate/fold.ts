/**
 * Folding difficulty into the gate's score without moving what the threshold means.
 *
 * The route is decided by the need to reason alone (need ≥ threshold → reasoning). The printed score then orders
 * prompts *within* each side of the threshold, so that one number serves both uses the score has: a threshold for
 * the route, and a ranking for tiers and cost–quality curves (RouteLLM's APGR ranks prompts by it).
 *
 * With t the threshold, z = logit(need) − logit(t) and d the difficulty (0..1):
 *  - confident reasoning (z ≥ m): score = t + (1 − t)·(u + (1 − u)·σ(a·(z − m) + b·logit(d))) — ordered mostly by
 *    difficulty: which maths problem is harder, not how sure the gate is that it is maths;
 *  - uncertain reasoning (0 ≤ z < m): score = t + (1 − t)·u·σ(4·(z/m − ½) + g·logit(d)) — below every confident
 *    prompt (direct prompts the gate wrongly sends up sit here, so the ranking that decides savings at a given recall
 *    is mostly kept), ordered by need and difficulty together;
 *  - direct (z < 0): score = t·σ(c + k·z + e·logit(d)).
 * Every map stays strictly on its side of t, so `score >= t` ⇔ `need >= t` always holds.
 *
 * Why difficulty counts in the uncertain band and below: a benchmark is ranked as a whole (RouteLLM's APGR), and
 * one the gate is unsure of — knowledge exam questions — straddles the threshold; ordered by need alone its prompts
 * come out in an order that says nothing about which are hard (docs/gate.md, "straddling" proxy).
 */

export interface DifficultyFold {
  /** m: logits above the threshold's from which the gate counts as sure (need ≈ 0.5 for t = 0.35 and m = 0.7). */
  confidentMargin: number;
  /** u: share of the band above t that the uncertain prompts occupy. */
  uncertainShare: number;
  /** g: weight of difficulty among uncertain prompts (0: ordered by need alone). */
  difficultyUncertain: number;
  /** a: weight of the need among confident prompts. */
  needAbove: number;
  /** b: weight of difficulty among confident prompts. */
  difficultyAbove: number;
  /** c: shift of the side below the threshold (a prompt just below it scores about t·σ(c)). */
  shiftBelow: number;
  /** k: weight of the need below the threshold (per logit of z). */
  needBelow: number;
  /** e: weight of difficulty below the threshold. */
  difficultyBelow: number;
}

/**
 * Chosen on leave-one-source-out needs of dev.jsonl (AUC and savings at 95 % recall about as without the fold), the
 * team-written fresh sets, and held-out APGR on difficulty.jsonl, also with the prompts made to straddle the
 * threshold (docs/gate.md).
 */
export const DEFAULT_FOLD: DifficultyFold = { confidentMargin: 0.7, uncertainShare: 0.3, difficultyUncertain: 1, needAbove: 0.2, difficultyAbove: 1, shiftBelow: 2, needBelow: 0.5, difficultyBelow: 1.5 };

const EDGE = 1e-6;
/** Logits spanned by the need across the uncertain band (its edges map to σ(∓2) of the band before difficulty). */
const UNCERTAIN_SPREAD = 4;
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
  const t = threshold;
  if (need >= t) {
    const u = fold.uncertainShare;
    const position =
      z < fold.confidentMargin
        ? u * sigmoid(UNCERTAIN_SPREAD * (Math.max(0, z) / fold.confidentMargin - 0.5) + fold.difficultyUncertain * d)
        : u + (1 - u) * sigmoid(fold.needAbove * (z - fold.confidentMargin) + fold.difficultyAbove * d);
    return Math.min(1, t + (1 - t) * position);
  }
  const below = t * sigmoid(fold.shiftBelow + fold.needBelow * z + fold.difficultyBelow * d);
  // Rounding can land a product on t itself when t is tiny (subnormal): stay strictly below it.
  return below < t ? below : t / 2;
}
