import { readFileSync } from 'node:fs';
import { HAS_CJK } from './cjk-split.js';
import { cjkShareAtLeast, cueCounts, isDirectTaskFrame, isPassageLookup } from './cues.js';
import { heuristicContributions, heuristicLogit } from './heuristic.js';
import { z } from 'zod';
import { DEFAULT_FIRST_STAGE, decide, type FirstStage, type ThresholdSource, type TurnScore } from './decide.js';
import { DEFAULT_NGRAM_ORDERS, FEATURE_VERSION, INTENT_FRAME_INDEX, type NgramOrders, type NgramTable, STRUCTURAL_FEATURE_NAMES, STRUCTURAL_SIZE, type StructuralContext, ngramScore, ngramTable, structuralFeatures } from './features.js';
import type { TextBounds } from './text.js';
import type { Gate, GateDecision, GateInput } from './types.js';

/** Logistic regression over structural features + hashed char n-grams. Weights come from scripts/train-gate.ts. */

export const MODEL_FORMAT = 'thinkgate-gate-model';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

export const gateModelFileSchema = z
  .looseObject({
    format: z.literal(MODEL_FORMAT),
    featureVersion: z.literal(FEATURE_VERSION),
    bucketBits: z.number().int().min(8).max(22),
    ngramOrders: z.strictObject({ min: z.number().int().min(1).max(5), max: z.number().int().min(1).max(5) }).refine((o) => o.min <= o.max, 'min must not exceed max').default(DEFAULT_NGRAM_ORDERS),
    framedNgramFactor: finite.min(0).max(1).default(1),
    ngramBias: finite.default(0),
    blend: z.strictObject({ heuristic: finite, ngram: finite }).optional(),
    chineseShift: z.strictObject({ minCjkShare: finite.min(0).max(1), logit: finite }).optional(),
    bias: finite,
    structural: z.strictObject({ names: z.array(z.string()), weights: z.array(finite) }),
    // The n-gram arrays hold ~60,000 numbers each: checked in place, not through z.array, whose parse copies them
    // element by element (~4 MB of start-up garbage that stayed in the process's resident memory).
    ngrams: z.strictObject({
      indices: z.custom<number[]>((v) => Array.isArray(v) && v.every((i) => Number.isSafeInteger(i) && (i as number) >= 0), 'expected an array of non-negative integers'),
      weights: z.custom<number[]>((v) => Array.isArray(v) && v.every((w) => typeof w === 'number' && Number.isFinite(w)), 'expected an array of finite numbers'),
    }),
  })
  .superRefine((model, ctx) => {
    if (model.structural.names.length !== STRUCTURAL_SIZE || model.structural.names.some((n, i) => n !== STRUCTURAL_FEATURE_NAMES[i])) {
      ctx.addIssue({ code: 'custom', message: 'structural feature names do not match this build', path: ['structural', 'names'] });
    }
    if (model.structural.weights.length !== model.structural.names.length) {
      ctx.addIssue({ code: 'custom', message: 'one weight per structural feature expected', path: ['structural', 'weights'] });
    }
    if (model.ngrams.indices.length !== model.ngrams.weights.length) {
      ctx.addIssue({ code: 'custom', message: 'indices and weights differ in length', path: ['ngrams'] });
    }
    const buckets = 2 ** model.bucketBits;
    if (model.ngrams.indices.some((i) => i >= buckets)) ctx.addIssue({ code: 'custom', message: `index outside 0..${buckets - 1}`, path: ['ngrams', 'indices'] });
  });

export type GateModelFile = z.infer<typeof gateModelFileSchema>;

/** The in-memory form: dense arrays ready for scoring. */
export interface GateModel {
  bucketBits: number;
  ngramOrders: NgramOrders;
  framedNgramFactor: number;
  /** The n-gram model's own bias: its logit alone is ngramBias + n-gram score. */
  ngramBias: number;
  /**
   * A blend: logit = bias + heuristic·(the heuristic's logit) + ngram·(n-gram score); a prompt with a direct-task
   * frame or a passage-lookup question is scored by the heuristic alone (its frame logic discounts the material, the
   * n-grams cannot).
   */
  blend?: { heuristic: number; ngram: number } | undefined;
  /**
   * Blend only: logits added to `bias` for a text the gate reads as Chinese (share of CJK ideographs among its
   * non-space characters, `cjkShare` over the first 2,048 characters, ≥ minCjkShare). A per-language operating point: Chinese reasoning recall and
   * English direct kept sit at different margins from the threshold (docs/gate.md). Absent: one bias for all.
   */
  chineseShift?: { minCjkShare: number; logit: number } | undefined;
  bias: number;
  structuralWeights: Float64Array;
  /** One quantised weight per bucket (2^bucketBits), see NgramTable. */
  ngramTable: NgramTable;
}

export function modelFromFile(file: GateModelFile): GateModel {
  return {
    bucketBits: file.bucketBits,
    ngramOrders: file.ngramOrders,
    framedNgramFactor: file.framedNgramFactor,
    ngramBias: file.ngramBias,
    blend: file.blend,
    chineseShift: file.chineseShift,
    bias: file.bias,
    structuralWeights: Float64Array.from(file.structural.weights),
    ngramTable: ngramTable(2 ** file.bucketBits, file.ngrams.indices, file.ngrams.weights),
  };
}

/** Reads and validates a weights file; every failure names the file. */
export function loadGateModel(path: string): GateModel {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`gate model file ${path} could not be read: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new Error(`gate model file ${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = gateModelFileSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`gate model file ${path} has the wrong shape (retrain with npm run train:gate): ${issues.join('; ')}`);
  }
  return modelFromFile(parsed.data);
}

const REASON_MIN_CONTRIBUTION = 0.25;
const MAX_REASONS = 4;

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * The names of the MAX_REASONS entries of largest magnitude, largest first, equal magnitudes in their order (what the
 * stable Array.prototype.sort gave); ['no_strong_cue'] when there are none. Sorts `ranked` in place by insertion: a
 * handful of entries, and no comparator closure, sort, slice or map per request.
 */
function strongest(ranked: Array<[string, number]>): string[] {
  for (let i = 1; i < ranked.length; i++) {
    const entry = ranked[i] as [string, number];
    let j = i - 1;
    for (; j >= 0 && Math.abs((ranked[j] as [string, number])[1]) < Math.abs(entry[1]); j--) ranked[j + 1] = ranked[j] as [string, number];
    ranked[j + 1] = entry;
  }
  const reasons: string[] = [];
  for (let i = 0; i < ranked.length && i < MAX_REASONS; i++) reasons.push((ranked[i] as [string, number])[0]);
  return reasons.length > 0 ? reasons : ['no_strong_cue'];
}

/** Raw logit parts of a jointly trained model, exposed for training diagnostics and explanations. */
export function modelLogit(model: GateModel, text: string, context: StructuralContext): { logit: number; structural: Float64Array; ngram: number } {
  const features = structuralFeatures(text, context);
  const structural = new Float64Array(STRUCTURAL_SIZE);
  let logit = model.bias;
  for (let i = 0; i < STRUCTURAL_SIZE; i++) {
    const contribution = (features[i] ?? 0) * (model.structuralWeights[i] ?? 0);
    structural[i] = contribution;
    logit += contribution;
  }
  const framed = features[INTENT_FRAME_INDEX] === 1;
  const raw = ngramScore(text, model.ngramTable, model.bucketBits, model.ngramOrders);
  const ngram = raw * (framed ? model.framedNgramFactor : 1);
  return { logit: logit + ngram, structural, ngram };
}

/** The n-gram half of a blend for a text (the model's own weights; evaluation scripts pass cached held-out scores). */
export type NgramScorer = (text: string) => number;

/**
 * The script share is read over the head of a long turn: a prompt's language shows there, and Latin text with a stray
 * ideograph is scanned to the end of the sample (12 KB would cost ~40 µs).
 */
const CJK_SAMPLE_CHARS = 2048;

/**
 * Whether the gate reads a text as Chinese for the per-language operating point: it has a CJK ideograph (a native
 * regex test, free for one-byte Latin text) and ideographs make ≥ minCjkShare of the non-space characters among its
 * first CJK_SAMPLE_CHARS characters (Chinese text answers within its first tens of characters). Measured, same
 * process, with and without the shift: 0.1–0.8 µs per prompt (English and Chinese, 60 characters to a 12 KB whole
 * read), within run-to-run noise.
 */
function readsAsChinese(text: string, minCjkShare: number): boolean {
  return HAS_CJK.test(text) && cjkShareAtLeast(text, minCjkShare, CJK_SAMPLE_CHARS);
}

/** The blend's score: the heuristic's named cues as reasons, plus the wording's pull when it is strong. */
function scoreBlend(model: GateModel, blend: { heuristic: number; ngram: number }, text: string, context: StructuralContext, ngramOf?: NgramScorer): TurnScore {
  const counts = cueCounts(text);
  const passageLookup = isPassageLookup(text);
  const contributions = heuristicContributions(counts, Math.max(context.chars, text.trim().length), passageLookup);
  const heuristic = heuristicLogit(contributions);
  const ranked: Array<[string, number]> = [];
  for (const [name, c] of contributions) if (Math.abs(c) >= REASON_MIN_CONTRIBUTION) ranked.push([name, c * blend.heuristic]);
  let logit: number;
  if (isDirectTaskFrame(counts) || passageLookup) {
    // "Translate this problem…" or a passage followed by a lookup question: the material's wording says maths, the
    // frame says direct; the frame decides (the heuristic discounts the material, the n-grams cannot).
    logit = heuristic;
  } else {
    const ngram = blend.ngram * (ngramOf === undefined ? ngramScore(text, model.ngramTable, model.bucketBits, model.ngramOrders) : ngramOf(text));
    const shift = model.chineseShift;
    const bias = shift !== undefined && readsAsChinese(text, shift.minCjkShare) ? model.bias + shift.logit : model.bias;
    logit = bias + blend.heuristic * heuristic + ngram;
    if (Math.abs(ngram) >= REASON_MIN_CONTRIBUTION) ranked.push([ngram > 0 ? 'wording_like_reasoning' : 'wording_like_direct', ngram]);
  }
  return { score: sigmoid(logit), reasons: strongest(ranked) };
}

/** `ngramOf` replaces the model's own n-gram score of a blend (held-out evaluation); absent, the model scores. */
export function scoreTurnWithModel(model: GateModel, text: string, context: StructuralContext, ngramOf?: NgramScorer): TurnScore {
  if (model.blend !== undefined) return scoreBlend(model, model.blend, text, context, ngramOf);
  const { logit, structural, ngram } = modelLogit(model, text, context);
  const ranked: Array<[string, number]> = [];
  structural.forEach((c, i) => {
    if (Math.abs(c) >= REASON_MIN_CONTRIBUTION) ranked.push([(STRUCTURAL_FEATURE_NAMES[i] ?? 'feature').replace(/^cue_/, ''), c]);
  });
  if (Math.abs(ngram) >= REASON_MIN_CONTRIBUTION) ranked.push([ngram > 0 ? 'wording_like_reasoning' : 'wording_like_direct', ngram]);
  return { score: sigmoid(logit), reasons: strongest(ranked) };
}

export interface LearnedGateOptions {
  model: GateModel;
  threshold: ThresholdSource;
  bounds?: TextBounds;
  /** Default DEFAULT_FIRST_STAGE; `null` reads every turn whole. */
  firstStage?: FirstStage | null;
}

export function createLearnedGate(options: LearnedGateOptions): Gate {
  const scoreTurn = (text: string, context: StructuralContext): TurnScore => scoreTurnWithModel(options.model, text, context);
  return {
    name: 'learned',
    score(input: GateInput): GateDecision {
      return decide(scoreTurn, input, { threshold: options.threshold, bounds: options.bounds, firstStage: options.firstStage === null ? undefined : (options.firstStage ?? DEFAULT_FIRST_STAGE) });
    },
  };
}
