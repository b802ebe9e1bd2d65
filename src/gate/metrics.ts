/**
 * Evaluation figures of a gate. Pure. "Positive" = a prompt that needs reasoning.
 * Savings = share of direct prompts kept off the reasoning upstream.
 */

export interface ScoredExample {
  score: number;
  reasoning: boolean;
}

export interface GateMetrics {
  n: number;
  reasoning: number;
  direct: number;
  auc: number;
  accuracy: number;
  /** Share of reasoning prompts routed to reasoning at the threshold. */
  reasoningRecall: number;
  /** Share of direct prompts routed direct at the threshold. */
  directKept: number;
  /** Share of all prompts sent to reasoning at the threshold. */
  reasoningShare: number;
  /** Direct prompts kept direct when the threshold is lowered until 95% of reasoning prompts reach reasoning. */
  savingsAt95: number;
  thresholdAt95: number;
}

/** ROC AUC by the rank-sum statistic with ties counted as half. NaN when a class is missing. */
export function rocAuc(examples: readonly ScoredExample[]): number {
  const sorted = [...examples].sort((a, b) => a.score - b.score);
  let positives = 0;
  let rankSum = 0;
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]?.score === sorted[i]?.score) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (sorted[k]?.reasoning) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = sorted.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Highest threshold at which at least `recall` of reasoning prompts score at or above it. */
export function thresholdForRecall(examples: readonly ScoredExample[], recall: number): number {
  const positives = examples.filter((e) => e.reasoning).map((e) => e.score).sort((a, b) => b - a);
  if (positives.length === 0) return 1;
  const needed = Math.max(1, Math.ceil(recall * positives.length));
  return positives[needed - 1] ?? 0;
}

/** Threshold that sends `share` of the scores to reasoning (score >= threshold). */
export function thresholdForShare(scores: readonly number[], share: number): number {
  if (scores.length === 0) return 0.5;
  const sorted = [...scores].sort((a, b) => b - a);
  const count = Math.round(Math.min(1, Math.max(0, share)) * sorted.length);
  // Nothing to reasoning: a threshold just above the top score (may exceed 1).
  if (count <= 0) return (sorted[0] ?? 0) + 1e-9;
  return sorted[count - 1] ?? 0;
}

export function computeMetrics(examples: readonly ScoredExample[], threshold: number): GateMetrics {
  let reasoning = 0;
  let reasoningHit = 0;
  let directKept = 0;
  let sentToReasoning = 0;
  for (const e of examples) {
    const toReasoning = e.score >= threshold;
    if (toReasoning) sentToReasoning++;
    if (e.reasoning) {
      reasoning++;
      if (toReasoning) reasoningHit++;
    } else if (!toReasoning) directKept++;
  }
  const direct = examples.length - reasoning;
  // Undefined without both classes: there is no recall to hold and nothing to save.
  const thresholdAt95 = reasoning > 0 && reasoning < examples.length ? thresholdForRecall(examples, 0.95) : Number.NaN;
  const keptAt95 = examples.filter((e) => !e.reasoning && e.score < thresholdAt95).length;
  const share = (part: number, whole: number): number => (whole === 0 ? Number.NaN : part / whole);
  return {
    n: examples.length,
    reasoning,
    direct,
    auc: rocAuc(examples),
    accuracy: share(reasoningHit + directKept, examples.length),
    reasoningRecall: share(reasoningHit, reasoning),
    directKept: share(directKept, direct),
    reasoningShare: share(sentToReasoning, examples.length),
    savingsAt95: Number.isNaN(thresholdAt95) ? Number.NaN : share(keptAt95, direct),
    thresholdAt95,
  };
}

/** One prompt's outcome under each model (1 = right, 0 = wrong, or an expected value in between) and its router score. */
export interface RoutedOutcome {
  score: number;
  strong: number;
  weak: number;
}

/**
 * The PGR curve (RouteLLM, Ong et al. 2024, §5.1): route the top-k prompts by score to the strong model and the rest
 * to the weak one; PGR(k) = (perf(k) − perf(weak)) / (perf(strong) − perf(weak)) for k = 0..n (entry k of the
 * returned array; entry 0 is 0 and entry n is 1). Tied scores are treated as a random order (their gains averaged).
 * Null when the two models perform alike overall (no gap to recover).
 */
export function pgrCurve(outcomes: readonly RoutedOutcome[]): Float64Array | null {
  const n = outcomes.length;
  const total = outcomes.reduce((s, o) => s + (o.strong - o.weak), 0);
  if (n === 0 || Math.abs(total) < 1e-12) return null;
  const sorted = [...outcomes].sort((a, b) => b.score - a.score);
  const curve = new Float64Array(n + 1);
  let recovered = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && sorted[j + 1]?.score === sorted[i]?.score) j++;
    let group = 0;
    for (let k = i; k <= j; k++) group += (sorted[k]?.strong ?? 0) - (sorted[k]?.weak ?? 0);
    const each = group / (j - i + 1);
    for (let k = i; k <= j; k++) {
      recovered += each;
      curve[k + 1] = recovered / total;
    }
    i = j + 1;
  }
  return curve;
}

/**
 * APGR, average performance gap recovered (RouteLLM §5.1): the area under the PGR curve against the share of calls
 * to the strong model (trapezoids over k = 0..n). NaN when the two models perform alike. 0.5 = random routing;
 * 1 = every prompt the weak model fails is sent to the strong one first.
 */
export function apgr(outcomes: readonly RoutedOutcome[]): number {
  const curve = pgrCurve(outcomes);
  if (curve === null) return Number.NaN;
  const n = curve.length - 1;
  let area = 0;
  for (let k = 1; k <= n; k++) area += ((curve[k - 1] ?? 0) + (curve[k] ?? 0)) / 2;
  return area / n;
}

/**
 * CPT(x), call-performance threshold (RouteLLM §5.1): the smallest share of calls to the strong model, 0..1, at which
 * routing by score recovers `target` (0..1, e.g. 0.5 or 0.8) of the gap between the two models; between two
 * prompts the share is interpolated along the curve. Lower is better; random routing needs `target` itself. NaN
 * when the two models perform alike.
 */
export function cpt(outcomes: readonly RoutedOutcome[], target: number): number {
  const curve = pgrCurve(outcomes);
  if (curve === null) return Number.NaN;
  if (target <= 0) return 0;
  const n = curve.length - 1;
  for (let k = 1; k <= n; k++) {
    const hi = curve[k] ?? 0;
    if (hi < target) continue;
    const lo = curve[k - 1] ?? 0;
    // The curve may dip (prompts the weak model gets right and the strong one wrong): take the first crossing.
    const step = hi > lo ? (target - lo) / (hi - lo) : 1;
    return (k - 1 + Math.min(1, Math.max(0, step))) / n;
  }
  return 1;
}

/** Spearman rank correlation (ties get their average rank). NaN for fewer than two values or a constant side. */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  const rank = (values: readonly number[]): number[] => {
    const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    const ranks = new Array<number>(values.length).fill(0);
    let i = 0;
    while (i < order.length) {
      let j = i;
      while (j + 1 < order.length && order[j + 1]?.[0] === order[i]?.[0]) j++;
      for (let k = i; k <= j; k++) ranks[order[k]?.[1] ?? 0] = (i + j) / 2;
      i = j + 1;
    }
    return ranks;
  };
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return Number.NaN;
  const rx = rank(xs.slice(0, n));
  const ry = rank(ys.slice(0, n));
  const mean = (n - 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < n; k++) {
    const dx = (rx[k] ?? 0) - mean;
    const dy = (ry[k] ?? 0) - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}
