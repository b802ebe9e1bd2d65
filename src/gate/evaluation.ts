import { z } from 'zod';
import { forEachJsonLine } from '../core/json-lines.js';
import { AUGMENT_SOURCE_PREFIX, HELD_OUT_FRAMES, framedCopies, type LabelledPrompt } from './augment.js';
import { apgr, computeMetrics, cpt, type GateMetrics, type RoutedOutcome, type ScoredExample } from './metrics.js';
import type { Gate } from './types.js';

/** Pure helpers for evaluating gates on labelled prompt files (no I/O: callers pass the file text). */

const labelledLine = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String).optional(),
  prompt: z.string(),
  label: z.enum(['reasoning', 'direct']),
  lang: z.string().default('unknown'),
  source: z.string().default('unknown'),
  category: z.string().optional(),
  license: z.string().optional(),
});

/** Parses a JSONL file of labelled prompts; throws naming the line number on a bad line. */
export function parseLabelledJsonl(text: string, fileName = 'input'): LabelledPrompt[] {
  const rows: LabelledPrompt[] = [];
  forEachJsonLine(text, fileName, (json, lineNo) => {
    const parsed = labelledLine.safeParse(json);
    if (!parsed.success) throw new Error(`${fileName}:${lineNo}: ${parsed.error.issues[0]?.message ?? 'bad line'}`);
    const { id, prompt, label, lang, source, category, license } = parsed.data;
    rows.push({ id: id ?? `${fileName}:${lineNo}`, prompt, label, lang, source, category, license });
  });
  return rows;
}

export function scorePrompt(gate: Gate, prompt: string): number {
  return gate.score({ messages: [{ role: 'user', content: prompt }] }).score;
}

export interface ScoredRow {
  row: LabelledPrompt;
  score: number;
}

export function scoreRows(gate: Gate, rows: readonly LabelledPrompt[]): ScoredRow[] {
  return rows.map((row) => ({ row, score: scorePrompt(gate, row.prompt) }));
}

function asExamples(scored: readonly ScoredRow[]): ScoredExample[] {
  return scored.map((s) => ({ score: s.score, reasoning: s.row.label === 'reasoning' }));
}

export interface MetricsReport {
  overall: GateMetrics;
  byLang: Record<string, GateMetrics>;
  bySource: Record<string, GateMetrics>;
}

/** `items` grouped by `key`, groups in key order. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return new Map([...groups].sort((a, b) => a[0].localeCompare(b[0])));
}

/** `figures` of all the items, and of each language's and each source's. */
function sliced<T, F>(items: readonly T[], lang: (item: T) => string, source: (item: T) => string, figures: (group: readonly T[]) => F): { overall: F; byLang: Record<string, F>; bySource: Record<string, F> } {
  const byLang: Record<string, F> = {};
  for (const [k, group] of groupBy(items, lang)) byLang[k] = figures(group);
  const bySource: Record<string, F> = {};
  for (const [k, group] of groupBy(items, source)) bySource[k] = figures(group);
  return { overall: figures(items), byLang, bySource };
}

export function metricsReport(scored: readonly ScoredRow[], threshold: number): MetricsReport {
  return sliced(scored, (s) => s.row.lang, (s) => s.row.source, (group) => computeMetrics(asExamples(group), threshold));
}

/** One prompt with both models' results on it (RouteLLM's per-prompt outcomes) and two rankings of it. */
export interface OutcomeRow {
  /** The gate's printed score (what a router ranks by). */
  score: number;
  /** The prompt's length rank key (the length-only baseline RouteLLM-style evaluations set beside a router). */
  lengthScore: number;
  /** Each model's result on the prompt, 0..1 (1 = right; a judge's score scaled to 0..1 also works). */
  strong: number;
  weak: number;
  lang: string;
  source: string;
}

/** Routing figures of one slice (RouteLLM §5.1): how well ranking by score spends calls to the strong model. */
export interface RoutingFigures {
  n: number;
  /** Mean result of each model alone on the slice. */
  strong: number;
  weak: number;
  /** Average performance gap recovered by the gate's score; NaN when the models perform alike on the slice. */
  apgr: number;
  /** Share of calls to the strong model needed to recover 50 % / 80 % of the gap (lower is better). */
  cpt50: number;
  cpt80: number;
  /** APGR of ranking by length alone, on the same prompts. */
  lengthApgr: number;
}

function routingFigures(rows: readonly OutcomeRow[]): RoutingFigures {
  const byScore: RoutedOutcome[] = rows.map((r) => ({ score: r.score, strong: r.strong, weak: r.weak }));
  const mean = (values: readonly number[]): number => (values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length);
  return {
    n: rows.length,
    strong: mean(rows.map((r) => r.strong)),
    weak: mean(rows.map((r) => r.weak)),
    apgr: apgr(byScore),
    cpt50: cpt(byScore, 0.5),
    cpt80: cpt(byScore, 0.8),
    lengthApgr: apgr(rows.map((r) => ({ score: r.lengthScore, strong: r.strong, weak: r.weak }))),
  };
}

export interface OutcomesReport {
  overall: RoutingFigures;
  byLang: Record<string, RoutingFigures>;
  bySource: Record<string, RoutingFigures>;
}

/** APGR, CPT(50 %), CPT(80 %) and length-only APGR, overall, per language and per source. */
export function outcomesReport(rows: readonly OutcomeRow[]): OutcomesReport {
  return sliced(rows, (r) => r.lang, (r) => r.source, routingFigures);
}

/** Direct-task frames (unseen wording) around held-out reasoning prompts: share routed direct is the figure. */
export function heldOutFramedRows(rows: readonly LabelledPrompt[], seed: number): LabelledPrompt[] {
  return framedCopies(
    rows.filter((r) => !r.source.startsWith(AUGMENT_SOURCE_PREFIX)),
    HELD_OUT_FRAMES,
    1,
    seed,
  );
}

export function sourcesOf(rows: readonly LabelledPrompt[]): string[] {
  return [...new Set(rows.map((r) => r.source))].sort();
}
