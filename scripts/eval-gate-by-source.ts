/**
 * npm run eval:gate [-- DATA.jsonl] [--difficulty DIFFICULTY.jsonl] [--options '{"ngramL2":0.01}'] [--fold '{…}']
 *                   [--threshold 0.35] [--by-source] [--dump held-out-needs.jsonl]
 *
 * 1. Leave-one-source-out on DATA: for every source, the learned gate is trained on all other sources (their framed
 *    copies included, the held-out source's excluded) and scores the held-out prompts. The heuristic and the length
 *    baseline need no training and are scored on everything (the heuristic's cues were written looking at dev sources:
 *    its figures are optimistic). Reported per language: ROC AUC of the printed score and of the need alone, direct
 *    prompts kept direct at 95 % reasoning recall, recall / direct kept at the threshold, and held-out direct-task
 *    frames around held-out reasoning prompts kept direct.
 * 2. Difficulty, leave one difficulty source out: the difficulty weights are refitted without the source, and the
 *    printed score of the default (heuristic) and of the learned gate ranks the source's prompts. APGR with proxy
 *    outcomes (the strong model always right, the weak one right with probability 1 − the source's difficulty).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_FIRST_STAGE, decide } from '../src/gate/decide.js';
import { calibrateDifficulty, difficultySources, fitDifficulty, parseDifficultyJsonl, rankingReport, type DifficultyRow } from '../src/gate/difficulty-training.js';
import { DIFFICULTY_FEATURE_NAMES, type DifficultyWeights } from '../src/gate/difficulty.js';
import { heldOutFramedRows, parseLabelledJsonl, sourcesOf } from '../src/gate/evaluation.js';
import { DEFAULT_FOLD, type DifficultyFold, foldScore } from '../src/gate/fold.js';
import { scoreTurnHeuristically } from '../src/gate/heuristic.js';
import { type GateModel, modelFromFile, scoreTurnWithModel } from '../src/gate/learned.js';
import { computeMetrics, type GateMetrics } from '../src/gate/metrics.js';
import type { LabelledPrompt } from '../src/gate/augment.js';
import type { TurnScorer } from '../src/gate/decide.js';
import { DEFAULT_TRAIN_OPTIONS, isPermissiveLicense, modelFileFromWeights, trainGateWeights, trainingRows, type TrainOptions } from '../src/gate/training.js';

const FRAME_SEED = 7;
const LENGTH_FULL_CHARS = 4000;
/** The maintainers' training data: outside the repository (the shipped weights name it in their provenance). */
const DEFAULT_TRAINING_DATA = '../shared/gate-data/dev.jsonl';
const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: {
    'by-source': { type: 'boolean' },
    options: { type: 'string' },
    fold: { type: 'string' },
    threshold: { type: 'string' },
    difficulty: { type: 'string' },
    dump: { type: 'string' },
  },
  allowPositionals: true,
  strict: true,
});
const dataPath = resolve(positionals[0] ?? DEFAULT_TRAINING_DATA);
const difficultyPath = resolve(values.difficulty ?? resolve(dataPath, '..', 'difficulty.jsonl'));
const threshold = Number(values.threshold ?? '0.35');
const options: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...(JSON.parse(values.options ?? '{}') as Partial<TrainOptions>) };
const fold: DifficultyFold = { ...DEFAULT_FOLD, ...(JSON.parse(values.fold ?? '{}') as Partial<DifficultyFold>) };
const rows = parseLabelledJsonl(readFileSync(dataPath, 'utf8')).filter((r) => isPermissiveLicense(r.license));

/** Need and difficulty of one prompt under one scorer (the route rules of decide.ts included, fold off). */
interface Scored {
  row: LabelledPrompt;
  need: number;
  difficulty: number;
}

function scoreWith(scorer: TurnScorer, prompts: readonly LabelledPrompt[], difficulty?: DifficultyWeights | false): Scored[] {
  return prompts.map((row) => {
    const d = decide(scorer, { messages: [{ role: 'user', content: row.prompt }] }, { threshold, difficulty: difficulty ?? undefined, firstStage: DEFAULT_FIRST_STAGE });
    return { row, need: d.need ?? d.score, difficulty: d.difficulty ?? 0 };
  });
}

const lengthScorer: TurnScorer = (_text, context) => ({ score: Math.min(1, Math.log1p(context.chars) / Math.log1p(LENGTH_FULL_CHARS)), reasons: ['length'] });
const modelScorer = (model: GateModel): TurnScorer => (text, context) => scoreTurnWithModel(model, text, context);
const trainModel = (train: readonly LabelledPrompt[], trainOptions: TrainOptions): GateModel =>
  modelFromFile(modelFileFromWeights(trainGateWeights(trainingRows(train, trainOptions), trainOptions), trainOptions, {}));

const learned: Scored[] = [];
const learnedFramed: Scored[] = [];
for (const source of sourcesOf(rows)) {
  const scorer = modelScorer(trainModel(rows.filter((r) => r.source !== source), options));
  const heldOut = rows.filter((r) => r.source === source);
  learned.push(...scoreWith(scorer, heldOut));
  learnedFramed.push(...scoreWith(scorer, heldOutFramedRows(heldOut, FRAME_SEED)));
  process.stderr.write(`fold ${source} done\n`);
}
const dumpPath = values.dump;
if (dumpPath !== undefined) {
  // Per-prompt held-out needs, for comparing combinations offline.
  const line = (s: Scored): string => JSON.stringify({ id: s.row.id, source: s.row.source, lang: s.row.lang, label: s.row.label, need: s.need, difficulty: s.difficulty });
  writeFileSync(dumpPath, [...learned, ...learnedFramed].map(line).join('\n') + '\n');
}
const framedAll = heldOutFramedRows(rows, FRAME_SEED);
const gates: Array<[string, Scored[], Scored[], boolean]> = [
  ['learned (LOSO)', learned, learnedFramed, true],
  ['heuristic', scoreWith(scoreTurnHeuristically, rows), scoreWith(scoreTurnHeuristically, framedAll), true],
  ['length', scoreWith(lengthScorer, rows, false), scoreWith(lengthScorer, framedAll, false), false],
];

const printed = (s: Scored, folded: boolean): number => (folded ? foldScore(s.need, s.difficulty, threshold, fold) : s.need);
const metricsOf = (scored: readonly Scored[], folded: boolean): GateMetrics =>
  computeMetrics(scored.map((s) => ({ score: printed(s, folded), reasoning: s.row.label === 'reasoning' })), threshold);
const aucOfNeed = (scored: readonly Scored[]): number => computeMetrics(scored.map((s) => ({ score: s.need, reasoning: s.row.label === 'reasoning' })), threshold).auc;
const pct = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(3));
const slices = (scored: readonly Scored[]): Array<[string, Scored[]]> => [
  ['all', [...scored]],
  ['en', scored.filter((s) => s.row.lang === 'en')],
  ['zh', scored.filter((s) => s.row.lang === 'zh')],
];

console.log(`data: ${dataPath} (${rows.length} lines), threshold ${threshold}`);
console.log(`train options ${JSON.stringify(options)}\nfold ${JSON.stringify(fold)}\n`);
console.log('| gate | slice | AUC (score) | AUC (need) | direct kept @95% recall | recall @thr | direct kept @thr | framed reasoning kept direct |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, scored, framed, folded] of gates) {
  const framedBy = new Map(slices(framed));
  for (const [slice, group] of slices(scored)) {
    const m = metricsOf(group, folded);
    const f = framedBy.get(slice) ?? [];
    const kept = f.length === 0 ? Number.NaN : f.filter((s) => s.need < threshold).length / f.length;
    console.log(`| ${name} | ${slice} | ${pct(m.auc)} | ${pct(aucOfNeed(group))} | ${pct(m.savingsAt95)} | ${pct(m.reasoningRecall)} | ${pct(m.directKept)} | ${pct(kept)} |`);
  }
}
if (values['by-source'] === true) {
  console.log('\n| source | ' + gates.map(([name]) => `${name} recall / kept`).join(' | ') + ' |');
  console.log('|---|' + gates.map(() => '---').join('|') + '|');
  for (const source of sourcesOf(rows)) {
    const line = gates.map(([, scored, , folded]) => {
      const m = metricsOf(scored.filter((s) => s.row.source === source), folded);
      return `${m.reasoning ? pct(m.reasoningRecall) : '–'} / ${m.direct ? pct(m.directKept) : '–'}`;
    });
    console.log(`| ${source} | ${line.join(' | ')} |`);
  }
}

// --- difficulty within a domain ---
let difficultyRows: DifficultyRow[];
try {
  difficultyRows = parseDifficultyJsonl(readFileSync(difficultyPath, 'utf8'), difficultyPath).filter((r) => isPermissiveLicense(r.license));
} catch (error) {
  console.log(`\n(no difficulty file: ${(error as Error).message})`);
  process.exit(0);
}
const SHIPPED_USE = DIFFICULTY_FEATURE_NAMES.map((_, i) => i).filter((i) => [0, 1, 5, 7, 8, 9].includes(i));
const shippedModel = trainModel(rows, options);
console.log(`\ndifficulty: ${difficultyPath} (${difficultyRows.length} lines); APGR with proxy outcomes, leave one difficulty source out\n`);
console.log('| source | n | length ρ / APGR | heuristic gate score ρ / APGR | learned gate score ρ / APGR | heuristic need only ρ / APGR |');
console.log('|---|---|---|---|---|---|');
const means = [0, 0, 0, 0];
const sources = difficultySources(difficultyRows);
for (const source of sources) {
  const heldOut = difficultyRows.filter((r) => r.source === source);
  const train = difficultyRows.filter((r) => r.source !== source);
  const weights = calibrateDifficulty(fitDifficulty(train, { l2: 1, use: SHIPPED_USE }), train.map((r) => r.prompt));
  const asPrompts: LabelledPrompt[] = heldOut.map((r) => ({ id: r.id, prompt: r.prompt, label: 'reasoning', lang: r.lang, source: r.source }));
  const heuristic = scoreWith(scoreTurnHeuristically, asPrompts, weights);
  const model = scoreWith(modelScorer(shippedModel), asPrompts, weights);
  const reports = [
    rankingReport(source, heldOut, heldOut.map((r) => r.prompt.length)),
    rankingReport(source, heldOut, heuristic.map((s) => printed(s, true))),
    rankingReport(source, heldOut, model.map((s) => printed(s, true))),
    rankingReport(source, heldOut, heuristic.map((s) => s.need)),
  ];
  reports.forEach((r, i) => (means[i] = (means[i] ?? 0) + r.apgr / sources.length));
  console.log(`| ${source} | ${heldOut.length} | ${reports.map((r) => `${pct(r.spearman)} / ${pct(r.apgr)}`).join(' | ')} |`);
}
console.log(`| mean APGR | | ${means.map(pct).join(' | ')} |`);
