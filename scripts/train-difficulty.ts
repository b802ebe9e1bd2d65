/**
 * npm run train:difficulty [-- DIFFICULTY.jsonl] [--write]
 * Leave-one-source-out comparison of difficulty scores on difficulty.jsonl (Spearman with the source's own levels and
 * a proxy APGR: weak model right with probability 1 − difficulty, strong always right), for length alone and for the
 * ridge fits over the structural features. --write fits the chosen configuration on every source and writes
 * src/gate/difficulty-weights.ts (deterministic: same data → same file).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DIFFICULTY_FEATURE_NAMES, difficultyFeatures, difficultyLogit } from '../src/gate/difficulty.js';
import { calibrateDifficulty, difficultySources, fitDifficulty, parseDifficultyJsonl, rankingReport, type DifficultyFitOptions } from '../src/gate/difficulty-training.js';
import { isPermissiveLicense } from '../src/gate/training.js';

const DEFAULT_DIFFICULTY_DATA = '../shared/gate-data/difficulty.jsonl';
/**
 * The shipped configuration, chosen by the mean held-out APGR below: length, quantities, conditions, sentences,
 * variables, examples/constraints. Features with a sign that flips between sources (number magnitude, formula size,
 * question count) and the script share (a language marker, not a difficulty) are left out.
 */
const SHIPPED_FIT: DifficultyFitOptions = { l2: 1, use: [0, 1, 5, 7, 8, 9] };

const { values, positionals } = parseArgs({ args: process.argv.slice(2), options: { write: { type: 'boolean' } }, allowPositionals: true, strict: true });
const dataPath = resolve(positionals[0] ?? DEFAULT_DIFFICULTY_DATA);
const rows = parseDifficultyJsonl(readFileSync(dataPath, 'utf8'), dataPath).filter((r) => isPermissiveLicense(r.license));
const sources = difficultySources(rows);

const candidates: Array<[string, DifficultyFitOptions | 'length']> = [
  ['length only', 'length'],
  ['length + quantities', { l2: 0.05, use: [0, 1, 2] }],
  ['all 11 features, l2 0.05', { l2: 0.05, use: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }],
  ['10 features (no script share), l2 5', { l2: 5, use: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }],
  ['length, quantities, conditions, sentences, variables, l2 1', { l2: 1, use: [0, 1, 5, 7, 8] }],
  ['shipped: the same + examples/constraints, l2 1', SHIPPED_FIT],
  ['structure without length', { l2: 0.05, use: [1, 2, 3, 4, 5, 6, 7, 8, 9] }],
];

const fmt = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(3));
console.log(`data: ${dataPath} (${rows.length} lines), leave one source out\n`);
console.log(`| score | ${sources.map((s) => `${s} ρ / APGR`).join(' | ')} | mean APGR |`);
console.log(`|---|${sources.map(() => '---').join('|')}|---|`);
for (const [name, candidate] of candidates) {
  const cells: string[] = [];
  let sum = 0;
  for (const source of sources) {
    const heldOut = rows.filter((r) => r.source === source);
    let scores: number[];
    if (candidate === 'length') scores = heldOut.map((r) => r.prompt.length);
    else {
      const model = fitDifficulty(rows.filter((r) => r.source !== source), candidate);
      scores = heldOut.map((r) => difficultyLogit(difficultyFeatures(r.prompt), model));
    }
    const report = rankingReport(source, heldOut, scores);
    sum += report.apgr;
    cells.push(`${fmt(report.spearman)} / ${fmt(report.apgr)}`);
  }
  console.log(`| ${name} | ${cells.join(' | ')} | ${fmt(sum / sources.length)} |`);
}

if (values.write === true) {
  const model = calibrateDifficulty(fitDifficulty(rows, SHIPPED_FIT), rows.map((r) => r.prompt));
  const round = (x: number): number => Number(x.toPrecision(5));
  const body = `import type { DifficultyWeights } from './difficulty.js';

/**
 * Written by scripts/train-difficulty.ts --write from ${rows.length} permissive-licence lines of difficulty.jsonl
 * (sources: ${sources.join(', ')}). Features: ${DIFFICULTY_FEATURE_NAMES.join(', ')}.
 */
export const DIFFICULTY_WEIGHTS: DifficultyWeights = {
  bias: ${round(model.bias)},
  weights: [${model.weights.map(round).join(', ')}],
  scale: ${round(model.scale)},
};
`;
  const out = resolve('src/gate/difficulty-weights.ts');
  writeFileSync(out, body);
  console.log(`\nwrote ${out}`);
}
