import { z } from 'zod';
import { forEachJsonLine } from '../core/json-lines.js';
import { DIFFICULTY_SIZE, type DifficultyWeights, difficultyFeatures } from './difficulty.js';
import { apgr, spearman } from './metrics.js';

/**
 * Fitting the within-domain difficulty score. Pure and deterministic (closed-form ridge regression, no randomness).
 *
 * Each source grades on its own scale (MATH levels 1–5, LeetCode tiers, CMATH grade × steps, GSM8K solution steps), so
 * the target is the level standardised *within its source*, and the features are centred within their source too:
 * the fit learns "within one source, what makes an item harder", not "competition maths is harder than
 * grade-school maths". Whether that transfers is measured by leaving one source out.
 */

export interface DifficultyRow {
  id: string;
  prompt: string;
  lang: string;
  source: string;
  domain: string;
  license?: string | undefined;
  /** 0..1, 1 = hardest, comparable only within the source. */
  difficulty: number;
}

const difficultyLine = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  prompt: z.string(),
  lang: z.string().default('unknown'),
  source: z.string(),
  domain: z.string().default('unknown'),
  license: z.string().optional(),
  difficulty: z.number().min(0).max(1),
});

/** Parses difficulty.jsonl lines; throws naming the line number on a bad line. */
export function parseDifficultyJsonl(text: string, fileName = 'input'): DifficultyRow[] {
  const rows: DifficultyRow[] = [];
  forEachJsonLine(text, fileName, (json, lineNo) => {
    const parsed = difficultyLine.safeParse(json);
    if (!parsed.success) throw new Error(`${fileName}:${lineNo}: ${parsed.error.issues[0]?.message ?? 'bad line'}`);
    rows.push(parsed.data);
  });
  return rows;
}

/** Solves (A + λI) x = b for a small symmetric system by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] ?? 0]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]?.[col] ?? 0) > Math.abs(m[pivot]?.[col] ?? 0)) pivot = r;
    [m[col], m[pivot]] = [m[pivot] ?? [], m[col] ?? []];
    const p = m[col]?.[col] ?? 0;
    if (Math.abs(p) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = (m[r]?.[col] ?? 0) / p;
      if (f === 0) continue;
      for (let c = col; c <= n; c++) (m[r] as number[])[c] = (m[r]?.[c] ?? 0) - f * (m[col]?.[c] ?? 0);
    }
  }
  return m.map((row, i) => (Math.abs(row[i] ?? 0) < 1e-12 ? 0 : (row[n] ?? 0) / (row[i] ?? 1)));
}

export interface DifficultyFitOptions {
  /** Ridge strength per example. */
  l2: number;
  /** Features used (indices into DIFFICULTY_FEATURE_NAMES); the rest get weight 0. */
  use: readonly number[];
}

function bySource<T extends { source: string }>(rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(row.source, [...(groups.get(row.source) ?? []), row]);
  return new Map([...groups].sort((x, y) => x[0].localeCompare(y[0])));
}

/**
 * Ridge regression of the within-source standardised difficulty on within-source centred features; every source
 * weighs the same in total. Returns weights (0 for unused features) with bias 0 and scale 1 — see calibrateBias.
 */
export function fitDifficulty(rows: readonly DifficultyRow[], options: DifficultyFitOptions): DifficultyWeights {
  const d = options.use.length;
  // Centre features and standardise targets within each source; every source weighs the same in total.
  const centred: Array<{ x: number[]; y: number; w: number }> = [];
  const groups = bySource(rows);
  for (const group of groups.values()) {
    const feats = group.map((r) => difficultyFeatures(r.prompt));
    const ys = group.map((r) => r.difficulty);
    const yMean = ys.reduce((s, y) => s + y, 0) / ys.length;
    const ySd = Math.sqrt(ys.reduce((s, y) => s + (y - yMean) ** 2, 0) / ys.length) || 1;
    const xMean = options.use.map((f) => feats.reduce((s, x) => s + (x[f] ?? 0), 0) / feats.length);
    feats.forEach((x, k) => {
      centred.push({ x: options.use.map((f, j) => (x[f] ?? 0) - (xMean[j] ?? 0)), y: ((ys[k] ?? 0) - yMean) / ySd, w: 1 / group.length });
    });
  }
  // Features standardised (pooled within-source spread) so that one ridge strength treats them alike.
  const totalW = centred.reduce((s, e) => s + e.w, 0) || 1;
  const sd = options.use.map((_, j) => Math.sqrt(centred.reduce((s, e) => s + e.w * (e.x[j] ?? 0) ** 2, 0) / totalW) || 1);
  const xtx = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  const xty = new Array<number>(d).fill(0);
  for (const e of centred) {
    for (let i = 0; i < d; i++) {
      const xi = (e.x[i] ?? 0) / (sd[i] ?? 1);
      xty[i] = (xty[i] ?? 0) + (e.w / totalW) * xi * e.y;
      for (let j = 0; j < d; j++) (xtx[i] as number[])[j] = (xtx[i]?.[j] ?? 0) + (e.w / totalW) * xi * ((e.x[j] ?? 0) / (sd[j] ?? 1));
    }
  }
  for (let i = 0; i < d; i++) (xtx[i] as number[])[i] = (xtx[i]?.[i] ?? 0) + options.l2;
  const beta = solve(xtx, xty);
  const weights = new Array<number>(DIFFICULTY_SIZE).fill(0);
  options.use.forEach((f, j) => (weights[f] = (beta[j] ?? 0) / (sd[j] ?? 1)));
  return { bias: 0, weights, scale: 1 };
}

/**
 * Sets scale and bias so that the given rows' linear scores spread over the logistic: their median maps to 0.5 and
 * their 10th–90th percentile span to about ±2 logits (0.12–0.88).
 */
export function calibrateDifficulty(model: DifficultyWeights, prompts: readonly string[]): DifficultyWeights {
  const raw = prompts
    .map((p) => {
      const f = difficultyFeatures(p);
      let s = 0;
      for (let i = 0; i < DIFFICULTY_SIZE; i++) s += (f[i] ?? 0) * (model.weights[i] ?? 0);
      return s;
    })
    .sort((a, b) => a - b);
  const at = (q: number): number => raw[Math.min(raw.length - 1, Math.floor(q * raw.length))] ?? 0;
  const spread = at(0.9) - at(0.1) || 1;
  const scale = 4 / spread;
  return { weights: model.weights, scale, bias: -at(0.5) };
}

export interface HeldOutDifficulty {
  source: string;
  n: number;
  spearman: number;
  /** APGR with "the weak model fails with probability = the source's difficulty, the strong model never" (a proxy). */
  apgr: number;
}

/** Proxy outcomes for APGR on a difficulty-labelled set: strong right, weak right with probability 1 − difficulty. */
export function proxyOutcomes(rows: readonly DifficultyRow[], scores: readonly number[]): Array<{ score: number; strong: number; weak: number }> {
  return rows.map((r, i) => ({ score: scores[i] ?? 0, strong: 1, weak: 1 - r.difficulty }));
}

/** Ranking quality of scores against a source's own difficulty labels. */
export function rankingReport(source: string, rows: readonly DifficultyRow[], scores: readonly number[]): HeldOutDifficulty {
  return {
    source,
    n: rows.length,
    spearman: spearman(scores, rows.map((r) => r.difficulty)),
    apgr: apgr(proxyOutcomes(rows, scores)),
  };
}

export function difficultySources(rows: readonly DifficultyRow[]): string[] {
  return [...bySource(rows).keys()];
}
