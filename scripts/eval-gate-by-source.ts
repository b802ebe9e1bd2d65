/**
 * npm run eval:gate [-- DATA.jsonl] [--options '{"ngramL2":0.1}'] [--by-source]
 * Leave-one-source-out: for every source, train the learned gate on all other sources (their framed copies
 * included, the held-out source's excluded) and score the held-out prompts. The heuristic and the length baseline
 * need no training and are scored on everything. Prints one markdown table.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { heldOutFramedRows, metricsReport, parseLabelledJsonl, scoreRows, sourcesOf, type ScoredRow } from '../src/gate/evaluation.js';
import { createHeuristicGate } from '../src/gate/heuristic.js';
import { createLearnedGate, modelFromFile } from '../src/gate/learned.js';
import { createLengthGate } from '../src/gate/length.js';
import type { GateMetrics } from '../src/gate/metrics.js';
import { DEFAULT_TRAIN_OPTIONS, isPermissiveLicense, modelFileFromWeights, trainWeights, trainingRows, type TrainOptions } from '../src/gate/training.js';

const THRESHOLD = 0.5;
const FRAME_SEED = 7;
/** The maintainers' training data: outside the repository (the shipped weights name it in their provenance). */
const DEFAULT_TRAINING_DATA = '../shared/gate-data/dev.jsonl';
const parsed = parseArgs({ args: process.argv.slice(2), options: { 'by-source': { type: 'boolean' }, options: { type: 'string' } }, allowPositionals: true, strict: true });
const dataPath = resolve(parsed.positionals[0] ?? DEFAULT_TRAINING_DATA);
const options: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...(JSON.parse(parsed.values.options ?? '{}') as Partial<TrainOptions>) };
const rows = parseLabelledJsonl(readFileSync(dataPath, 'utf8')).filter((r) => isPermissiveLicense(r.license));

const learned: ScoredRow[] = [];
const learnedFramed: ScoredRow[] = [];
for (const source of sourcesOf(rows)) {
  const weights = trainWeights(trainingRows(rows.filter((r) => r.source !== source), options), options);
  const gate = createLearnedGate({ model: modelFromFile(modelFileFromWeights(weights, options, {})), threshold: THRESHOLD });
  const heldOut = rows.filter((r) => r.source === source);
  learned.push(...scoreRows(gate, heldOut));
  learnedFramed.push(...scoreRows(gate, heldOutFramedRows(heldOut, FRAME_SEED)));
  process.stderr.write(`fold ${source} done\n`);
}
const framedAll = heldOutFramedRows(rows, FRAME_SEED);
const heuristicGate = createHeuristicGate({ threshold: THRESHOLD });
const lengthGate = createLengthGate({ threshold: THRESHOLD });
const gates: Array<[string, ScoredRow[], ScoredRow[]]> = [
  ['learned (LOSO)', learned, learnedFramed],
  ['heuristic', scoreRows(heuristicGate, rows), scoreRows(heuristicGate, framedAll)],
  ['length', scoreRows(lengthGate, rows), scoreRows(lengthGate, framedAll)],
];

const pct = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(3));
const cells = (m: GateMetrics | undefined): string => (m ? `${pct(m.auc)} | ${pct(m.savingsAt95)} | ${pct(m.reasoningRecall)} | ${pct(m.directKept)}` : '– | – | – | –');
console.log(`data: ${dataPath} (${rows.length} lines), threshold ${THRESHOLD}, options ${JSON.stringify(options)}\n`);
console.log('| gate | slice | AUC | savings@95 | recall@thr | direct kept@thr | framed maths kept direct |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, scored, framed] of gates) {
  const report = metricsReport(scored, THRESHOLD);
  for (const [slice, metrics, framedSlice] of [
    ['all', report.overall, framed],
    ['en', report.byLang['en'], framed.filter((f) => f.row.lang === 'en')],
    ['zh', report.byLang['zh'], framed.filter((f) => f.row.lang === 'zh')],
  ] as const) {
    const kept = framedSlice.length === 0 ? Number.NaN : framedSlice.filter((f) => f.score < THRESHOLD).length / framedSlice.length;
    console.log(`| ${name} | ${slice} | ${cells(metrics)} | ${pct(kept)} |`);
  }
}
if (parsed.values['by-source'] === true) {
  console.log('\n| source | ' + gates.map(([name]) => `${name} recall / kept`).join(' | ') + ' |');
  console.log('|---|' + gates.map(() => '---').join('|') + '|');
  for (const source of sourcesOf(rows)) {
    const line = gates.map(([, scored]) => {
      const m = metricsReport(scored, THRESHOLD).bySource[source];
      return m ? `${m.reasoning ? pct(m.reasoningRecall) : '–'} / ${m.direct ? pct(m.directKept) : '–'}` : '–';
    });
    console.log(`| ${source} | ${line.join(' | ')} |`);
  }
}
