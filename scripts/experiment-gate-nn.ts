/**
 * npx tsx scripts/experiment-gate-nn.ts [--candidate NAME]… [--cache-dir /tmp/gatenn-cache] [--list]
 *                                       [--bootstrap | --bench | --dump loso|fresh-holdout|…]
 *
 * The small-MLP experiment of docs/gate-nn-experiment.md: can a small neural model over hashed n-grams
 * (scripts/gate-nn/embedding-bag.ts) replace the logistic regression (LR) that is the n-gram half of the shipped gate?
 * Decided on held-out evidence only, the same way scripts/tune-gate.ts compares candidates:
 *
 * 1. Leave-one-source-out (LOSO) on dev.jsonl v3: for each of the 37 sources the candidate is trained on the other 36
 *    (training.ts trainingRows: their permitted lines and framed copies, the LR's example weights) and its logit is
 *    cached for every held-out prompt, for the held-out reasoning prompts wrapped in the four wrapper frame sets, for
 *    the whole turn and for the first stage's window. A candidate trained on all of dev scores the team-written sets.
 *    Caches are JSON files in --cache-dir (outside the repository), one per candidate and options; delete to rebuild.
 *    Candidate "lr" is the shipped LR (training.ts DEFAULT_TRAIN_OPTIONS; on all of dev the shipped
 *    config/gate-model.json itself); a candidate "a+b" averages the two candidates' logits, "a*0.3" scales them,
 *    "a~b" uses b only in a's uncertain band (a second stage: need within 1 logit of the threshold's).
 * 2. Printed, per candidate, two rows per slice (all / en / zh): the candidate alone (its logit is the need) and the
 *    shipped blend with the candidate in place of the LR (0.5 · heuristic + 0.5 · candidate, heuristic alone on framed
 *    prompts and passage lookups, the shipped bias and Chinese shift, two stages, printed score folded): AUC of the
 *    printed score / of the need, direct kept at 95 % recall (printed score), recall / direct kept at the threshold
 *    0.35, and wrappers routed direct per frame set. Then the same on fresh-eval, fresh-holdout and the blind sets
 *    (their "wrapper" lines routed direct as the last column).
 * 3. --bootstrap: for each candidate after the first, the blend's AUC difference from the first candidate's, with a
 *    90 % paired bootstrap interval (LOSO resampled by source, the team-written sets by prompt; scripts/gate-nn/
 *    bootstrap.ts). --dump SET: the blend's printed score per prompt and candidate, to stderr.
 * 4. --bench: median µs of a full decision (first stage) on 2 KB English and Chinese prompts with the shipped gate and
 *    with each candidate's blend, the n-gram half alone on the 512-character first-stage window, and the weights' size.
 *    Run it pinned (`taskset -c 1`) on a quiet machine; figures vary ±10 % with load.
 *
 * Cost, one core of the shared machine: the LR's 37 trainings ~3 min, an MLP candidate's 2–5 min (3 or 8 epochs);
 * a report from the caches a few seconds per candidate, --bootstrap ~5 s per candidate.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type LabelledPrompt, framedCopies } from '../src/gate/augment.js';
import { DEFAULT_FIRST_STAGE, type TurnScorer, decide } from '../src/gate/decide.js';
import { cueCounts, isDirectTaskFrame, isPassageLookup } from '../src/gate/cues.js';
import { parseLabelledJsonl, sourcesOf } from '../src/gate/evaluation.js';
import { ngramScore } from '../src/gate/features.js';
import { foldScore } from '../src/gate/fold.js';
import { heuristicContributions, heuristicLogit } from '../src/gate/heuristic.js';
import { type GateModel, loadGateModel, modelFromFile, scoreTurnWithModel } from '../src/gate/learned.js';
import { computeMetrics } from '../src/gate/metrics.js';
import { boundText, viewConversation } from '../src/gate/text.js';
import { DEFAULT_TRAIN_OPTIONS, isPermissiveLicense, modelFileFromWeights, trainGateWeights, trainingRows } from '../src/gate/training.js';
import { type Half, benchHalves, lrByCallbackWalk } from './gate-nn/bench.js';
import { pairedAucBootstrap } from './gate-nn/bootstrap.js';
import { FRAME_SEED, type Frame, wrapperFrameSets } from './lib/wrapper-frames.js';
import { type BagOptions, DEFAULT_BAG_OPTIONS, type EmbeddingBag, bagBytes, bagLogit, newScratch, trainBag } from './gate-nn/embedding-bag.js';

/** The candidates tried, in the order of the brief; `--candidate` takes a name or `{"name":…,"options":{…}}`. */
const NAMED: Record<string, Partial<BagOptions> | 'lr'> = {
  lr: 'lr',
  'mlp16-b15': {},
  'mlp16-b15-ls': { smoothing: 0.1 },
  'mlp16-b15-ls-e3': { smoothing: 0.1, epochs: 3 },
  'mlp16-b15-ls-e3-words': { smoothing: 0.1, epochs: 3, words: true },
  'mlp16-b14-ls-e3': { smoothing: 0.1, epochs: 3, bucketBits: 14 },
  'mlp16-b15-ls-e3-words-drop': { smoothing: 0.1, epochs: 3, words: true, dropout: 0.3 },
  'mlp32-b15-ls-e3-words': { smoothing: 0.1, epochs: 3, words: true, hidden: 32 },
  'mlp16-b16-ls-e3-words': { smoothing: 0.1, epochs: 3, words: true, bucketBits: 16 },
};

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/gate-data/dev.jsonl' },
    'cache-dir': { type: 'string', default: '/tmp/gatenn-cache' },
    candidate: { type: 'string', multiple: true },
    model: { type: 'string', default: 'config/gate-model.json' },
    bench: { type: 'boolean' },
    list: { type: 'boolean' },
    bootstrap: { type: 'boolean' },
    /** `loso` or a team-written set's name (e.g. fresh-holdout): per prompt, the blend's printed score per candidate, to stderr. */
    dump: { type: 'string' },
  },
  strict: true,
});
if (values.list === true) {
  for (const [name, options] of Object.entries(NAMED)) console.log(`${name}: ${JSON.stringify(options === 'lr' ? 'the shipped LR' : { ...DEFAULT_BAG_OPTIONS, ...options })}`);
  process.exit(0);
}

const THRESHOLD = 0.35;
const FRAME_SETS = wrapperFrameSets();
const FRESH = ['fresh-eval', 'fresh-holdout', 'fresh-blind-v3', 'fresh-blind-v4', 'fresh-blind-v4b'].map((name) => {
  const path = `test/gate/${name}.jsonl`;
  return [name, parseLabelledJsonl(readFileSync(path, 'utf8'), path)] as const;
});

const rows = parseLabelledJsonl(readFileSync(values.data, 'utf8')).filter((r) => isPermissiveLicense(r.license));
const shipped = loadGateModel(values.model);
const framed = (subset: readonly LabelledPrompt[], frames: readonly Frame[]): LabelledPrompt[] => framedCopies(subset, frames, 1, FRAME_SEED);
const firstWindow = DEFAULT_FIRST_STAGE.bounds.headChars + DEFAULT_FIRST_STAGE.bounds.tailChars;

/** Every text a two-stage decision may hand the n-gram half for a prompt: the whole turn and, if longer, the window. */
function scoredTexts(prompt: string): string[] {
  const text = viewConversation({ messages: [{ role: 'user', content: prompt }] }).lastUserText;
  return text.length > firstWindow ? [text, boundText(text, DEFAULT_FIRST_STAGE.bounds)] : [text];
}

/** Cached logits of a candidate's n-gram half (bench.ts Half: text → full logit, its own bias included), by text. */
type Scores = Record<string, number>;
interface CandidateCache {
  loso: Record<string, Scores>;
  full: Scores;
}

const lrHalf = (model: GateModel): Half => (text) => model.ngramBias + ngramScore(text, model.ngramTable, model.bucketBits, model.ngramOrders);
function bagHalf(model: EmbeddingBag): Half {
  const scratch = newScratch();
  const acc = new Int32Array(model.hidden);
  return (text) => bagLogit(model, text, scratch, acc);
}
const trainLr = (train: readonly LabelledPrompt[]): GateModel =>
  modelFromFile(modelFileFromWeights(trainGateWeights(trainingRows(train, DEFAULT_TRAIN_OPTIONS), DEFAULT_TRAIN_OPTIONS), DEFAULT_TRAIN_OPTIONS, {}));
const trainCandidate = (options: BagOptions, train: readonly LabelledPrompt[]): EmbeddingBag => trainBag(trainingRows(train, DEFAULT_TRAIN_OPTIONS), options, DEFAULT_TRAIN_OPTIONS.frameWeight);

function scoreAll(half: Half, prompts: readonly string[], into: Scores): Scores {
  for (const prompt of prompts) for (const t of scoredTexts(prompt)) into[t] = half(t);
  return into;
}

function resolveCandidate(spec: string): { name: string; options: BagOptions | 'lr' } {
  const named = NAMED[spec];
  if (named !== undefined) return { name: spec, options: named === 'lr' ? 'lr' : { ...DEFAULT_BAG_OPTIONS, ...named } };
  const parsed = JSON.parse(spec) as { name: string; options: Partial<BagOptions> };
  return { name: parsed.name, options: { ...DEFAULT_BAG_OPTIONS, ...parsed.options } };
}

/** LOSO and all-of-dev scores of one candidate, from the cache or computed (and cached). */
function candidateCache(name: string, options: BagOptions | 'lr'): CandidateCache {
  const key = createHash('sha1').update(JSON.stringify({ options, data: values.data, rows: rows.length })).digest('hex').slice(0, 10);
  const path = join(values['cache-dir'], `${name}-${key}.json`);
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as CandidateCache;
  const cache: CandidateCache = { loso: {}, full: {} };
  const started = performance.now();
  for (const source of sourcesOf(rows)) {
    const train = rows.filter((r) => r.source !== source);
    const half = options === 'lr' ? lrHalf(trainLr(train)) : bagHalf(trainCandidate(options, train));
    const heldOut = rows.filter((r) => r.source === source);
    cache.loso[source] = scoreAll(half, [...heldOut, ...FRAME_SETS.flatMap(([, frames]) => framed(heldOut, frames))].map((r) => r.prompt), {});
    process.stderr.write(`${name}: fold ${source} done (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  }
  const full = options === 'lr' ? lrHalf(shipped) : bagHalf(trainCandidate(options, rows));
  cache.full = scoreAll(full, FRESH.flatMap(([, set]) => set.map((r) => r.prompt)), {});
  mkdirSync(values['cache-dir'], { recursive: true });
  writeFileSync(path, JSON.stringify(cache));
  return cache;
}

function lookup(scores: Scores, what: string): Half {
  return (text) => {
    const v = scores[text];
    if (v === undefined) throw new Error(`no cached score for a ${text.length}-char text of ${what}: delete the cache file to rebuild`);
    return v;
  };
}

/** The shipped blend with `half` as its n-gram half (the cached logit carries its own bias, so the base drops the LR's). */
const blendBase: GateModel = { ...shipped, bias: shipped.bias - (shipped.blend?.ngram ?? 0.5) * shipped.ngramBias };
const logitOf = (p: number): number => Math.log(Math.min(1 - 1e-6, Math.max(1e-6, p)) / (1 - Math.min(1 - 1e-6, Math.max(1e-6, p))));
/**
 * With `band`: a second stage for the uncertain band only. A turn whose need under `half` is within the first stage's
 * margin (1 logit) of the threshold is scored again with `band` as the n-gram half; the others keep `half`'s score.
 */
function blendScorer(half: Half, band?: Half): TurnScorer {
  return (text, context) => {
    const first = scoreTurnWithModel(blendBase, text, context, half);
    if (band === undefined || Math.abs(logitOf(first.score) - logitOf(THRESHOLD)) >= DEFAULT_FIRST_STAGE.margin) return first;
    return scoreTurnWithModel(blendBase, text, context, band);
  };
}
const aloneScorer = (half: Half): TurnScorer => (text) => ({ score: 1 / (1 + Math.exp(-half(text))), reasons: [] });

interface Scored {
  row: LabelledPrompt;
  need: number;
  printed: number;
}
function scoreWith(scorer: TurnScorer, prompts: readonly LabelledPrompt[]): Scored[] {
  return prompts.map((row) => {
    const d = decide(scorer, { messages: [{ role: 'user', content: row.prompt }] }, { threshold: THRESHOLD, firstStage: DEFAULT_FIRST_STAGE });
    return { row, need: d.need ?? d.score, printed: foldScore(d.need ?? d.score, d.difficulty ?? 0, THRESHOLD) };
  });
}

const f3 = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(3));
const sliceOf = (scored: readonly Scored[], lang: string): Scored[] => (lang === 'all' ? [...scored] : scored.filter((s) => s.row.lang === lang));
const routedDirect = (scored: readonly Scored[]): string => (scored.length === 0 ? '–' : f3(scored.filter((s) => s.need < THRESHOLD).length / scored.length));
function figures(scored: readonly Scored[]): string {
  const reasoning = (s: Scored): boolean => s.row.label === 'reasoning';
  const printed = computeMetrics(scored.map((s) => ({ score: s.printed, reasoning: reasoning(s) })), THRESHOLD);
  const need = computeMetrics(scored.map((s) => ({ score: s.need, reasoning: reasoning(s) })), THRESHOLD);
  return `${f3(printed.auc)} / ${f3(need.auc)} | ${f3(printed.savingsAt95)} | ${f3(need.reasoningRecall)} / ${f3(need.directKept)}`;
}

/**
 * A candidate's halves: LOSO per source and all-of-dev; "a+b" averages candidates' logits, "…*k" multiplies by k,
 * "a~b" scores the blend with a, and with b in a's uncertain band (blendScorer).
 */
interface Halves {
  loso: (source: string) => Half;
  full: Half;
  band?: Halves;
}
function halvesOf(spec: string): Halves {
  if (spec.includes('~') && !spec.startsWith('{')) {
    const [main = '', band = ''] = spec.split('~');
    return { ...halvesOf(main), band: halvesOf(band) };
  }
  const [base = spec, factor = '1'] = spec.startsWith('{') ? [spec] : spec.split('*');
  const scale = Number(factor);
  const parts = base.includes('+') && !base.startsWith('{') ? base.split('+') : [base];
  const caches = parts.map((part) => {
    const { name, options } = resolveCandidate(part);
    return candidateCache(name, options);
  });
  const mean = (halves: Half[]): Half => (text) => (scale * halves.reduce((s, h) => s + h(text), 0)) / halves.length;
  return {
    loso: (source) => mean(caches.map((c) => lookup(c.loso[source] ?? {}, `held-out ${source}`))),
    full: mean(caches.map((c) => lookup(c.full, 'the team-written sets'))),
  };
}

/**
 * Pearson correlation, over the held-out prompts the blend scores with both halves (no frame, no passage lookup),
 * of the candidate's logit and the heuristic's: how much of what the candidate says the heuristic already says.
 */
function correlationWithHeuristic(loso: readonly Scored[], halves: Halves): number {
  const pairs: Array<[number, number]> = [];
  for (const s of loso) {
    const text = scoredTexts(s.row.prompt)[0] ?? '';
    const counts = cueCounts(text);
    if (isDirectTaskFrame(counts) || isPassageLookup(text)) continue;
    pairs.push([halves.loso(s.row.source)(text), heuristicLogit(heuristicContributions(counts, text.trim().length, false))]);
  }
  const mean = (k: 0 | 1): number => pairs.reduce((sum, p) => sum + p[k], 0) / pairs.length;
  const [mx, my] = [mean(0), mean(1)];
  let [sxy, sxx, syy] = [0, 0, 0];
  for (const [x, y] of pairs) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** The scorer of one mode for a held-out source, or for the team-written sets (source undefined). */
function scorerFor(halves: Halves, mode: 'alone' | 'blend', source?: string): TurnScorer {
  const pick = (h: Halves): Half => (source === undefined ? h.full : h.loso(source));
  if (mode === 'alone') return aloneScorer(pick(halves));
  return blendScorer(pick(halves), halves.band === undefined ? undefined : pick(halves.band));
}

function report(spec: string): void {
  const halves = halvesOf(spec);
  for (const mode of ['alone', 'blend'] as const) {
    const loso: Scored[] = [];
    const wrappers: Scored[][] = FRAME_SETS.map(() => []);
    for (const source of sourcesOf(rows)) {
      const scorer = scorerFor(halves, mode, source);
      const heldOut = rows.filter((r) => r.source === source);
      loso.push(...scoreWith(scorer, heldOut));
      FRAME_SETS.forEach(([, frames], k) => wrappers[k]?.push(...scoreWith(scorer, framed(heldOut, frames))));
    }
    if (mode === 'alone') console.log(`| ${spec} | LOSO, correlation of its logit with the heuristic's | ${f3(correlationWithHeuristic(loso, halves))} | | | | | | |`);
    for (const lang of ['all', 'en', 'zh']) {
      console.log(`| ${spec} ${mode} | LOSO ${lang} | ${figures(sliceOf(loso, lang))} | ${wrappers.map((w) => routedDirect(sliceOf(w, lang))).join(' | ')} |`);
    }
    for (const [name, set] of FRESH) {
      const scored = scoreWith(scorerFor(halves, mode), set);
      const aucs = ['en', 'zh'].map((lang) => f3(computeMetrics(sliceOf(scored, lang).map((s) => ({ score: s.printed, reasoning: s.row.label === 'reasoning' })), THRESHOLD).auc));
      const wrapped = scored.filter((s) => s.row.category === 'wrapper');
      console.log(`| ${spec} ${mode} | ${name} (en ${aucs.join(' / zh ')}) | ${figures(scored)} | | | | ${wrapped.length === 0 ? '–' : `${wrapped.filter((s) => s.need < THRESHOLD).length}/${wrapped.length}`} |`);
    }
  }
}

function bench(specs: readonly string[]): void {
  const table = `${(2 ** shipped.bucketBits * 2) / 1024} KB int16 table`;
  const contenders: Array<[string, Half | undefined, string]> = [
    ['shipped (LR half)', undefined, table],
    ['LR through the callback walk', lrByCallbackWalk(shipped), table],
  ];
  for (const spec of specs) {
    const { name, options } = resolveCandidate(spec);
    if (options === 'lr') continue;
    const model = trainCandidate(options, rows);
    contenders.push([name, bagHalf(model), `${(bagBytes(model) / 1024).toFixed(0)} KB int8 table + float32 layer`]);
  }
  benchHalves(shipped, contenders, THRESHOLD);
}

/** The blend's scores with one candidate: LOSO (sources in order) and each team-written set. */
function blendScores(spec: string): { loso: Scored[]; fresh: Map<string, Scored[]> } {
  const halves = halvesOf(spec);
  return {
    loso: sourcesOf(rows).flatMap((source) => scoreWith(scorerFor(halves, 'blend', source), rows.filter((r) => r.source === source))),
    fresh: new Map(FRESH.map(([name, set]) => [name, scoreWith(scorerFor(halves, 'blend'), set)])),
  };
}

/** `--dump loso` or a set's name: per prompt, source, label, language and the blend's printed score per candidate. */
function dump(setName: string, specs: readonly string[]): void {
  const scored = specs.map((spec) => {
    const all = blendScores(spec);
    const set = setName === 'loso' ? all.loso : all.fresh.get(setName);
    if (set === undefined) throw new Error(`--dump: no set ${setName} (loso, ${FRESH.map(([name]) => name).join(', ')})`);
    return set;
  });
  process.stderr.write(`source label lang ${specs.join(' ')} prompt\n`);
  (scored[0] ?? []).forEach((s, i) => {
    const cells = scored.map((set) => (set[i]?.printed ?? Number.NaN).toFixed(6));
    process.stderr.write(`${s.row.source} ${s.row.label} ${s.row.lang} ${cells.join(' ')} ${JSON.stringify(s.row.prompt.slice(0, 90))}\n`);
  });
}

const BOOTSTRAP_RESAMPLES = 1000;
const BOOTSTRAP_SEED = 1;
/**
 * `--bootstrap`: the blend's printed-score AUC of each candidate minus the first candidate's, with a 90 % paired
 * bootstrap interval: LOSO resampled by source, the team-written sets by prompt.
 */
function bootstrap(specs: readonly string[]): void {
  const [baseSpec, ...others] = specs;
  if (baseSpec === undefined || others.length === 0) throw new Error('--bootstrap compares candidates with the first: give at least two');
  const base = blendScores(baseSpec);
  console.log(`\nblend AUC (printed score) minus ${baseSpec}'s, 90 % paired bootstrap interval (${BOOTSTRAP_RESAMPLES} resamples; LOSO by source, the sets by prompt)\n`);
  console.log('| candidate | set | all | en | zh |');
  console.log('|---|---|---|---|---|');
  for (const spec of others) {
    const mine = blendScores(spec);
    const sets: Array<[string, Scored[], Scored[], boolean]> = [['LOSO', base.loso, mine.loso, true], ...FRESH.map(([name]) => [name, base.fresh.get(name) ?? [], mine.fresh.get(name) ?? [], false] as [string, Scored[], Scored[], boolean])];
    for (const [name, a, b, bySource] of sets) {
      const cells = ['all', 'en', 'zh'].map((lang) => {
        const paired = a.flatMap((s, i) => (lang === 'all' || s.row.lang === lang ? [{ group: bySource ? s.row.source : s.row.id, reasoning: s.row.label === 'reasoning', base: s.printed, candidate: b[i]?.printed ?? Number.NaN }] : []));
        const d = pairedAucBootstrap(paired, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED);
        const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;
        return `${signed(d.difference)} [${signed(d.low)}, ${signed(d.high)}]`;
      });
      console.log(`| ${spec} | ${name} | ${cells.join(' | ')} |`);
    }
  }
}

const specs = values.candidate ?? ['lr', 'mlp16-b15-ls-e3-words'];
if (values.dump !== undefined) dump(values.dump, specs);
else if (values.bootstrap === true) bootstrap(specs);
else if (values.bench === true) bench(specs);
else {
  console.log(`data ${values.data}: ${rows.length} permitted lines; threshold ${THRESHOLD}; caches in ${values['cache-dir']}\n`);
  console.log(`| candidate | slice | AUC printed / need | direct kept @95% | recall / kept @thr | ${FRAME_SETS.map(([n]) => n).join(' | ')} (routed direct) |`);
  console.log('|---|---|---|---|---|' + FRAME_SETS.map(() => '---').join('|') + '|');
  for (const spec of specs) report(spec);
}
