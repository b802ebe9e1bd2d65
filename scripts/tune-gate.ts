/**
 * npx tsx scripts/tune-gate.ts [--cache /tmp/loso-ngram.json] [--candidate '{"shift":0.3,"fold":{…}}'] [--sets]
 *
 * Compares gate candidates on held-out evidence only, cheaply enough to try several:
 *
 * 1. Leave-one-source-out n-gram scores on dev.jsonl v3 are computed once (37 trainings, ~4 min on one core) and kept
 *    in a cache file outside the repository: for every held-out prompt — and for held-out reasoning prompts wrapped in
 *    direct-task frames — the n-gram logit of the model trained without its source, for the whole turn and for the
 *    first stage's window. The n-gram model does not read the cues, so cue changes need no retraining: every candidate
 *    is scored with the current cues and the cached held-out n-gram half.
 * 2. A candidate is a blend bias shift (logits added to the blend's, framed prompts excepted: those are scored by the
 *    heuristic alone; `shiftZh` for text the gate reads as Chinese, both relative to the shipped model), a threshold and
 *    a fold (src/gate/fold.ts). Reported: LOSO AUC / direct kept at 95 % recall /
 *    recall and direct kept at the threshold, per language; wrappers routed direct for three frame sets (the code's
 *    HELD_OUT_FRAMES, test/gate/wrapper-frames-v4-dev.jsonl used while writing cues, and the v4 and v5 holdout frames
 *    kept out of cue writing); the team-written fresh sets (n-gram model
 *    trained on all of dev) and the blind sets (`--misses` lists their reasoning prompts routed direct, with the
 *    language); and proxy APGR on held-out difficulty sources against length alone.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type LabelledPrompt, framedCopies } from '../src/gate/augment.js';
import { DEFAULT_FIRST_STAGE, decide, type TurnScorer } from '../src/gate/decide.js';
import { calibrateDifficulty, difficultySources, fitDifficulty, parseDifficultyJsonl, rankingReport } from '../src/gate/difficulty-training.js';
import { DIFFICULTY_FEATURE_NAMES } from '../src/gate/difficulty.js';
import { parseLabelledJsonl, sourcesOf } from '../src/gate/evaluation.js';
import { ngramScore } from '../src/gate/features.js';
import { DEFAULT_FOLD, type DifficultyFold, foldScore } from '../src/gate/fold.js';
import { scoreTurnHeuristically } from '../src/gate/heuristic.js';
import { type GateModel, loadGateModel, modelFromFile, scoreTurnWithModel } from '../src/gate/learned.js';
import { computeMetrics } from '../src/gate/metrics.js';
import { boundText, viewConversation } from '../src/gate/text.js';
import { DEFAULT_TRAIN_OPTIONS, isPermissiveLicense, modelFileFromWeights, trainGateWeights, trainingRows } from '../src/gate/training.js';
import { FRAME_SEED, type Frame, wrapperFrameSets } from './lib/wrapper-frames.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/gate-data/dev.jsonl' },
    difficulty: { type: 'string', default: '../shared/gate-data/difficulty.jsonl' },
    cache: { type: 'string', default: '/tmp/thinkgate-loso-ngram.json' },
    candidate: { type: 'string', multiple: true },
    model: { type: 'string', default: 'config/gate-model.json' },
    /** Per frame of the development sets (never the v4 holdout): share kept direct and a few misses, for writing cues. */
    'frame-detail': { type: 'boolean' },
    /** Per-prompt held-out needs of the first candidate (LOSO), for looking at what sits near the threshold. */
    dump: { type: 'string' },
    /** Reasoning prompts of the fresh and blind sets routed direct by each candidate, with their language. */
    misses: { type: 'boolean' },
  },
  strict: true,
});
const FRAME_SETS = wrapperFrameSets();

const rows = parseLabelledJsonl(readFileSync(values.data, 'utf8')).filter((r) => isPermissiveLicense(r.license));
const framed = (subset: readonly LabelledPrompt[], frames: readonly Frame[]): LabelledPrompt[] => framedCopies(subset, frames, 1, FRAME_SEED);
const turnText = (prompt: string): string => viewConversation({ messages: [{ role: 'user', content: prompt }] }).lastUserText;
const firstWindow = DEFAULT_FIRST_STAGE.bounds.headChars + DEFAULT_FIRST_STAGE.bounds.tailChars;

/** Full n-gram logit (its own bias included) of each text a decision may score: the whole turn and the window. */
function ngramLogits(model: GateModel, prompts: readonly string[], into: Record<string, number>): void {
  for (const prompt of prompts) {
    const text = turnText(prompt);
    for (const t of text.length > firstWindow ? [text, boundText(text, DEFAULT_FIRST_STAGE.bounds)] : [text]) {
      into[t] = model.ngramBias + ngramScore(t, model.ngramTable, model.bucketBits, model.ngramOrders);
    }
  }
}

type Cache = Record<string, Record<string, number>>;
let cache: Cache;
if (existsSync(values.cache)) cache = JSON.parse(readFileSync(values.cache, 'utf8')) as Cache;
else {
  cache = {};
  for (const source of sourcesOf(rows)) {
    const train = rows.filter((r) => r.source !== source);
    const model = modelFromFile(modelFileFromWeights(trainGateWeights(trainingRows(train, DEFAULT_TRAIN_OPTIONS), DEFAULT_TRAIN_OPTIONS), DEFAULT_TRAIN_OPTIONS, {}));
    const heldOut = rows.filter((r) => r.source === source);
    const entry: Record<string, number> = {};
    ngramLogits(model, [...heldOut, ...FRAME_SETS.flatMap(([, frames]) => framed(heldOut, frames))].map((r) => r.prompt), entry);
    cache[source] = entry;
    process.stderr.write(`fold ${source} done\n`);
  }
  writeFileSync(values.cache, JSON.stringify(cache));
}

interface Candidate {
  name?: string;
  /** Added to the blend's logit (not to framed prompts, which the heuristic alone scores). */
  shift?: number;
  /** The shift for text the gate reads as Chinese (the model's chineseShift test), relative to the shipped one; default: `shift`. */
  shiftZh?: number;
  threshold?: number;
  fold?: Partial<DifficultyFold>;
  /** Blend weights (default: the shipped model's). */
  blend?: { heuristic: number; ngram: number };
}
const shipped = loadGateModel(values.model);
const candidates: Candidate[] = (values.candidate ?? ['{}']).map((c) => JSON.parse(c) as Candidate);

interface Scored {
  row: LabelledPrompt;
  need: number;
  difficulty: number;
}
const logit = (p: number): number => Math.log(Math.min(1 - 1e-6, Math.max(1e-6, p)) / (1 - Math.min(1 - 1e-6, Math.max(1e-6, p))));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const pct = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(3));

/**
 * Shifts relative to the shipped model: `en` is added to the blend's bias, `zh` replaces `en` for text the gate reads
 * as Chinese (the model's `chineseShift`, so the gate's own script test decides, as in production).
 */
interface Shifts {
  en: number;
  zh: number;
}
const DEFAULT_MIN_CJK_SHARE = 0.05;
const shifted = (shifts: Shifts, base: GateModel): GateModel => ({
  ...base,
  bias: base.bias + shifts.en,
  chineseShift: { minCjkShare: shipped.chineseShift?.minCjkShare ?? DEFAULT_MIN_CJK_SHARE, logit: (shipped.chineseShift?.logit ?? 0) + shifts.zh - shifts.en },
});
function blendScorer(shifts: Shifts, blend = shipped.blend, ngramOf?: (text: string) => number): TurnScorer {
  const weight = (blend?.ngram ?? 0.5) - (shipped.blend?.ngram ?? 0.5);
  const model = shifted(shifts, { ...shipped, blend, bias: shipped.bias + weight * shipped.ngramBias });
  return (text, context) => scoreTurnWithModel(model, text, context, ngramOf);
}
function heldOutScorer(source: string, shifts: Shifts, blend = shipped.blend): TurnScorer {
  const entry = cache[source] ?? {};
  // The cached value is the full n-gram logit; the blend adds its own bias (0 + ngram weight × the n-gram's bias).
  const base = shipped.bias - (shipped.blend?.ngram ?? 0.5) * shipped.ngramBias;
  const model = shifted(shifts, { ...shipped, blend, bias: base });
  return (text, context) =>
    scoreTurnWithModel(model, text, context, (t) => {
      const v = entry[t];
      if (v === undefined) throw new Error(`no cached n-gram score for a ${t.length}-char text of ${source}: rebuild the cache`);
      return v;
    });
}
function scoreWith(scorer: TurnScorer, prompts: readonly LabelledPrompt[], threshold: number): Scored[] {
  return prompts.map((row) => {
    const d = decide(scorer, { messages: [{ role: 'user', content: row.prompt }] }, { threshold, firstStage: DEFAULT_FIRST_STAGE });
    return { row, need: d.need ?? d.score, difficulty: d.difficulty ?? 0 };
  });
}

const sliceOf = (scored: readonly Scored[], lang: string): Scored[] => (lang === 'all' ? [...scored] : scored.filter((s) => s.row.lang === lang));
function report(title: string, scored: readonly Scored[], threshold: number, fold: DifficultyFold, wrappers: ReadonlyArray<readonly Scored[]>): void {
  for (const lang of ['all', 'en', 'zh']) {
    const group = sliceOf(scored, lang);
    if (group.length === 0) continue;
    const m = computeMetrics(group.map((s) => ({ score: foldScore(s.need, s.difficulty, threshold, fold), reasoning: s.row.label === 'reasoning' })), threshold);
    const n = computeMetrics(group.map((s) => ({ score: s.need, reasoning: s.row.label === 'reasoning' })), threshold);
    const kept = wrappers.map((w) => {
      const g = sliceOf(w, lang);
      return g.length === 0 ? '–' : pct(g.filter((s) => s.need < threshold).length / g.length);
    });
    console.log(`| ${title} | ${lang} | ${pct(m.auc)} / ${pct(n.auc)} | ${pct(m.savingsAt95)} | ${pct(n.reasoningRecall)} / ${pct(n.directKept)} | ${kept.join(' | ')} |`);
  }
}

function frameDetail(wrappers: ReadonlyArray<readonly Scored[]>, threshold: number): void {
  FRAME_SETS.forEach(([setName, frames], k) => {
    if (setName.includes('holdout')) return;
    const marker = '\u0001';
    frames.forEach((frame) => {
      const [head = '', tail = ''] = frame(marker).split(marker);
      const mine = (wrappers[k] ?? []).filter((s) => s.row.prompt.startsWith(head) && s.row.prompt.endsWith(tail));
      const misses = mine.filter((s) => s.need >= threshold);
      console.error(`${setName} | ${JSON.stringify(head + '…' + tail).slice(0, 70)} | ${mine.length} | kept ${pct(1 - misses.length / (mine.length || 1))}`);
      for (const s of misses.slice(0, 2)) console.error(`    ${pct(s.need)} ${JSON.stringify(s.row.prompt.slice(0, 140))}`);
    });
  });
}

// Difficulty: held out one difficulty source at a time (weights refitted without it), ranked by the printed score.
const difficultyRows = parseDifficultyJsonl(readFileSync(values.difficulty, 'utf8')).filter((r) => isPermissiveLicense(r.license));
const SHIPPED_USE = DIFFICULTY_FEATURE_NAMES.map((_, i) => i).filter((i) => [0, 1, 5, 7, 8, 9].includes(i));
const difficultySets = difficultySources(difficultyRows).map((source) => {
  const heldOut = difficultyRows.filter((r) => r.source === source);
  const train = difficultyRows.filter((r) => r.source !== source);
  const weights = calibrateDifficulty(fitDifficulty(train, { l2: 1, use: SHIPPED_USE }), train.map((r) => r.prompt));
  return { source, heldOut, weights };
});

const fresh = ['test/gate/fresh-eval.jsonl', 'test/gate/fresh-holdout.jsonl', 'test/gate/fresh-blind-v3.jsonl', 'test/gate/fresh-blind-v4.jsonl', 'test/gate/fresh-blind-v4b.jsonl'].map((f) => [f.replace(/^.*\//, ''), parseLabelledJsonl(readFileSync(f, 'utf8'), f)] as const);

console.log(`data ${values.data}: ${rows.length} lines; LOSO n-gram cache ${values.cache}\n`);
console.log(`| candidate | slice | AUC score / need | direct kept @95% | recall / kept @thr | ${FRAME_SETS.map(([n]) => n).join(' | ')} |`);
console.log('|---|---|---|---|---|' + FRAME_SETS.map(() => '---').join('|') + '|');
const apgrLines: string[] = [];
for (const c of candidates) {
  const threshold = c.threshold ?? 0.35;
  const shift = c.shift ?? 0;
  const shifts: Shifts = { en: shift, zh: c.shiftZh ?? shift };
  const fold: DifficultyFold = { ...DEFAULT_FOLD, ...c.fold };
  const name = c.name ?? JSON.stringify(c);
  const loso: Scored[] = [];
  const wrappers: Scored[][] = FRAME_SETS.map(() => []);
  for (const source of sourcesOf(rows)) {
    const scorer = heldOutScorer(source, shifts, c.blend ?? shipped.blend);
    const heldOut = rows.filter((r) => r.source === source);
    loso.push(...scoreWith(scorer, heldOut, threshold));
    FRAME_SETS.forEach(([, frames], k) => wrappers[k]?.push(...scoreWith(scorer, framed(heldOut, frames), threshold)));
  }
  report(`${name} LOSO`, loso, threshold, fold, wrappers);
  if (values['frame-detail'] === true) frameDetail(wrappers, threshold);
  if (values.dump !== undefined && c === candidates[0]) {
    writeFileSync(values.dump, loso.map((s) => JSON.stringify({ id: s.row.id, source: s.row.source, lang: s.row.lang, label: s.row.label, need: s.need, difficulty: s.difficulty, prompt: s.row.prompt.slice(0, 160) })).join('\n') + '\n');
  }
  for (const [file, set] of fresh) {
    const scored = scoreWith(blendScorer(shifts, c.blend ?? shipped.blend), set, threshold);
    report(`${name} ${file}`, scored, threshold, fold, []);
    if (values.misses === true) {
      for (const s of scored.filter((x) => x.row.label === 'reasoning' && x.need < threshold)) console.error(`${name} ${file} miss ${s.row.lang} ${pct(s.need)} ${JSON.stringify(s.row.prompt.slice(0, 100))}`);
    }
  }
  // Difficulty proxy APGR with the shipped n-gram model (the difficulty sources are maths and code, not dev sources).
  const parts = difficultySets.map(({ source, heldOut, weights }) => {
    const scored = heldOut.map((r) => decide(blendScorer(shifts, c.blend ?? shipped.blend), { messages: [{ role: 'user', content: r.prompt }] }, { threshold, difficulty: weights, fold, firstStage: DEFAULT_FIRST_STAGE }));
    const bands = [scored.filter((d) => (d.need ?? 0) < threshold).length, scored.filter((d) => d.score >= threshold && d.score < threshold + (1 - threshold) * fold.uncertainShare).length].map((k) => Math.round((100 * k) / scored.length));
    // A benchmark the gate is unsure of (MMLU-like): the same prompts with every need's logit moved so that their
    // median sits on the threshold, so that they straddle the bands; ranked by the printed score.
    const logits = scored.map((d) => logit(d.need ?? 0)).sort((a, b) => a - b);
    const move = logit(threshold) - (logits[Math.floor(logits.length / 2)] ?? 0);
    const straddled = scored.map((d) => foldScore(sigmoid(logit(d.need ?? 0) + move), d.difficulty ?? 0, threshold, fold));
    return {
      source,
      apgr: rankingReport(source, heldOut, scored.map((d) => d.score)).apgr,
      straddle: rankingReport(source, heldOut, straddled).apgr,
      length: rankingReport(source, heldOut, heldOut.map((r) => r.prompt.length)).apgr,
      bands,
    };
  });
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  apgrLines.push(
    `| ${name} | ${parts.map((p) => `${pct(p.apgr)} / ${pct(p.straddle)} (${pct(p.length)}; ${p.bands.join('/')}%)`).join(' | ')} | ${pct(mean(parts.map((p) => p.apgr)))} / ${pct(mean(parts.map((p) => p.straddle)))} (${pct(mean(parts.map((p) => p.length)))}) |`,
  );
}
console.log(`\nproxy APGR, held-out difficulty sources: printed score / the same prompts straddling the threshold (length alone; % below threshold / in the uncertain band)\n`);
console.log(`| candidate | ${difficultySets.map((d) => d.source).join(' | ')} | mean |`);
console.log('|---|' + difficultySets.map(() => '---').join('|') + '|---|');
for (const line of apgrLines) console.log(line);
void scoreTurnHeuristically;
