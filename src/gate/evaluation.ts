import { z } from 'zod';
import { forEachJsonLine } from '../core/json-lines.js';
import { AUGMENT_SOURCE_PREFIX, HELD_OUT_FRAMES, framedCopies, type LabelledPrompt } from './augment.js';
import { computeMetrics, type GateMetrics, type ScoredExample } from './metrics.js';
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

function groupBy(scored: readonly ScoredRow[], key: (row: LabelledPrompt) => string): Map<string, ScoredRow[]> {
  const groups = new Map<string, ScoredRow[]>();
  for (const s of scored) groups.set(key(s.row), [...(groups.get(key(s.row)) ?? []), s]);
  return new Map([...groups].sort((a, b) => a[0].localeCompare(b[0])));
}

export function metricsReport(scored: readonly ScoredRow[], threshold: number): MetricsReport {
  const byLang: Record<string, GateMetrics> = {};
  for (const [lang, group] of groupBy(scored, (r) => r.lang)) byLang[lang] = computeMetrics(asExamples(group), threshold);
  const bySource: Record<string, GateMetrics> = {};
  for (const [source, group] of groupBy(scored, (r) => r.source)) bySource[source] = computeMetrics(asExamples(group), threshold);
  return { overall: computeMetrics(asExamples(scored), threshold), byLang, bySource };
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
