import { AUGMENT_SOURCE_PREFIX, TRAIN_FRAMES, framedCopies, type LabelledPrompt } from './augment.js';
import { FEATURE_VERSION, HEURISTIC_FEATURE_INDEX, INTENT_FRAME_INDEX, HEURISTIC_IDENTITY_WEIGHT, STRUCTURAL_FEATURE_NAMES, STRUCTURAL_SIZE, ngramVector, structuralFeatures } from './features.js';
import { MODEL_FORMAT, type GateModelFile } from './learned.js';

/**
 * Training of the learned gate: weighted logistic regression, full-batch Adam, fixed iteration count.
 * Pure and deterministic: same rows and options → same weights (no Math.random, fixed summation order).
 */

export interface TrainOptions {
  bucketBits: number;
  /** L2 strength on n-gram weights: high, so that a source's wording cannot outweigh the structural cues. */
  ngramL2: number;
  structuralL2: number;
  /** L2 pulling the weight of the heuristic's logit towards 1 (identity): the model starts as the heuristic and may only correct it. */
  heuristicPriorL2: number;
  iterations: number;
  learningRate: number;
  /** Share of reasoning prompts copied into a direct-task frame (0 = no augmentation). */
  frameShare: number;
  /** Relative weight of the framed copies against the direct class. */
  frameWeight: number;
  seed: number;
  /** Shortest and longest hashed character n-gram. */
  ngramMin: number;
  ngramMax: number;
  /** Scale of the n-gram part when a direct-task frame is present: the wording inside "translate this: …" is material. */
  framedNgramFactor: number;
  /** false: n-grams only (structural features and the heuristic prior off), the plain reference model. */
  structural: boolean;
  /**
   * Set: an n-gram model is trained on its own (structural off) and combined with fixed weights with the heuristic:
   * logit = heuristic·heuristicLogit + ngram·(n-gram logit) + bias. The heuristic's cues were written looking at
   * every dev source, so a weight fitted on dev would trust them more than new sources warrant; the blend weights are
   * set by out-of-source results instead (docs/gate.md).
   */
  blend?: { heuristic: number; ngram: number; bias: number; chineseShift?: { minCjkShare: number; logit: number } | undefined } | undefined;
}

/**
 * The shipped configuration: an n-gram model (char 1–4-grams, light L2) trained alone on every permitted source, set
 * beside the heuristic with equal weights. A per-language operating point: for text the gate reads as Chinese (CJK
 * ideographs ≥ 5 % of the non-space characters in its first 2,048: no English dev prompt, all Chinese ones but 62 of
 * 2,263 — LaTeX-heavy exam maths and requests to translate English text) the blend's bias is 0.1 logit up, a recall
 * margin where Chinese reasoning recall was thin (for blended Chinese prompts the same as a threshold of 0.328 instead
 * of 0.35); English keeps bias 0, where the same shift cost ~5 points of direct kept for one reasoning prompt in a
 * thousand. Chosen by held-out results: docs/gate.md.
 */
export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  bucketBits: 16,
  ngramL2: 0.001,
  structuralL2: 0.3,
  heuristicPriorL2: 0.1,
  iterations: 150,
  learningRate: 0.1,
  frameShare: 0.35,
  frameWeight: 0.6,
  seed: 20240611,
  ngramMin: 1,
  ngramMax: 4,
  framedNgramFactor: 1,
  structural: false,
  blend: { heuristic: 0.5, ngram: 0.5, bias: 0, chineseShift: { minCjkShare: 0.05, logit: 0.1 } },
};

export const TRAINING_SCRIPT_VERSION = '2.2.0';

interface Example {
  structural: Float64Array;
  indices: Int32Array;
  values: Float32Array;
  target: number;
  weight: number;
}

const PERMISSIVE_LICENSE = /^(?:MIT|Apache-2\.0|BSD(?:-[0-9]-Clause)?|CC-BY(?:-SA)?(?:-[0-9.]+)?|CC0(?:-1\.0)?)$/i;

export function isPermissiveLicense(license: string | undefined): boolean {
  return license !== undefined && PERMISSIVE_LICENSE.test(license);
}

/**
 * Weight of each example: every (source, label) group gets a total proportional to √size, so the 400 CLINC commands
 * do not drown the 20 self-instruct coding tasks; then both classes get equal total weight.
 */
export function exampleWeights(rows: readonly LabelledPrompt[], frameWeight: number): number[] {
  const groupSize = new Map<string, number>();
  for (const row of rows) groupSize.set(`${row.source}\u0000${row.label}`, (groupSize.get(`${row.source}\u0000${row.label}`) ?? 0) + 1);
  const raw = rows.map((row) => {
    const size = groupSize.get(`${row.source}\u0000${row.label}`) ?? 1;
    return (row.source.startsWith(AUGMENT_SOURCE_PREFIX) ? frameWeight : 1) / Math.sqrt(size);
  });
  const total = { reasoning: 0, direct: 0 };
  rows.forEach((row, i) => (total[row.label] += raw[i] ?? 0));
  const perClass = rows.length / 2;
  return rows.map((row, i) => ((raw[i] ?? 0) * perClass) / (total[row.label] || 1));
}

function toExamples(rows: readonly LabelledPrompt[], options: TrainOptions): Example[] {
  const weights = exampleWeights(rows, options.frameWeight);
  return rows.map((row, i) => {
    const { indices, values } = ngramVector(row.prompt, options.bucketBits, { min: options.ngramMin, max: options.ngramMax });
    const context = { chars: row.prompt.length, userTurns: 1, hasSystem: false, hasTools: false };
    const structural = options.structural ? structuralFeatures(row.prompt, context) : new Float64Array(STRUCTURAL_SIZE);
    if (options.structural && options.framedNgramFactor !== 1 && structural[INTENT_FRAME_INDEX] === 1) {
      for (let k = 0; k < values.length; k++) values[k] = (values[k] ?? 0) * options.framedNgramFactor;
    }
    return { structural, indices, values, target: row.label === 'reasoning' ? 1 : 0, weight: weights[i] ?? 1 };
  });
}

/** Training rows: permissive-licence lines plus their framed copies. */
export function trainingRows(rows: readonly LabelledPrompt[], options: TrainOptions): LabelledPrompt[] {
  const permitted = rows.filter((r) => isPermissiveLicense(r.license));
  return options.frameShare > 0 ? [...permitted, ...framedCopies(permitted, TRAIN_FRAMES, options.frameShare, options.seed)] : permitted;
}

class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private step = 0;
  constructor(size: number, private readonly learningRate: number) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }
  apply(params: Float64Array, gradient: Float64Array): void {
    this.step++;
    const b1 = 0.9;
    const b2 = 0.999;
    const correction1 = 1 - b1 ** this.step;
    const correction2 = 1 - b2 ** this.step;
    for (let i = 0; i < params.length; i++) {
      const g = gradient[i] ?? 0;
      const m = b1 * (this.m[i] ?? 0) + (1 - b1) * g;
      const v = b2 * (this.v[i] ?? 0) + (1 - b2) * g * g;
      this.m[i] = m;
      this.v[i] = v;
      params[i] = (params[i] ?? 0) - (this.learningRate * (m / correction1)) / (Math.sqrt(v / correction2) + 1e-8);
    }
  }
}

/** Rounds to 5 significant digits so the weights file is small and stable across platforms' last-bit float noise. */
function round5(value: number): number {
  return value === 0 ? 0 : Number(value.toPrecision(5));
}

export interface TrainedWeights {
  bias: number;
  structural: number[];
  ngramIndices: number[];
  ngramWeights: number[];
  /** Blend only: the n-gram model's own bias, the blend's weights and its Chinese shift. */
  ngramBias?: number;
  blend?: { heuristic: number; ngram: number };
  chineseShift?: { minCjkShare: number; logit: number };
}

/** trainWeights, or for a blend the n-gram model trained alone and set beside the heuristic with fixed weights. */
export function trainGateWeights(rows: readonly LabelledPrompt[], options: TrainOptions): TrainedWeights {
  const blend = options.blend;
  if (blend === undefined) return trainWeights(rows, options);
  const ngram = trainWeights(rows, { ...options, structural: false });
  return {
    bias: round5(blend.bias + blend.ngram * ngram.bias),
    // Unused by a blend (it reads the heuristic directly); kept so the file has one layout.
    structural: new Array<number>(STRUCTURAL_SIZE).fill(0),
    ngramIndices: ngram.ngramIndices,
    ngramWeights: ngram.ngramWeights,
    ngramBias: ngram.bias,
    blend: { heuristic: blend.heuristic, ngram: blend.ngram },
    ...(blend.chineseShift !== undefined ? { chineseShift: { ...blend.chineseShift } } : {}),
  };
}

export function trainWeights(rows: readonly LabelledPrompt[], options: TrainOptions): TrainedWeights {
  const examples = toExamples(rows, options);
  const buckets = 2 ** options.bucketBits;
  // Parameter layout: [bias, structural…, n-gram buckets…]
  const size = 1 + STRUCTURAL_SIZE + buckets;
  const params = new Float64Array(size);
  const gradient = new Float64Array(size);
  const optimiser = new Adam(size, options.learningRate);
  const priorIndex = 1 + HEURISTIC_FEATURE_INDEX;
  const prior = options.structural ? HEURISTIC_IDENTITY_WEIGHT : 0;
  params[priorIndex] = prior;
  const totalWeight = examples.reduce((s, e) => s + e.weight, 0) || 1;
  for (let iteration = 0; iteration < options.iterations; iteration++) {
    gradient.fill(0);
    for (const e of examples) {
      let logit = params[0] ?? 0;
      for (let j = 0; j < STRUCTURAL_SIZE; j++) logit += (e.structural[j] ?? 0) * (params[1 + j] ?? 0);
      for (let k = 0; k < e.indices.length; k++) logit += (e.values[k] ?? 0) * (params[1 + STRUCTURAL_SIZE + (e.indices[k] ?? 0)] ?? 0);
      const error = ((1 / (1 + Math.exp(-logit)) - e.target) * e.weight) / totalWeight;
      gradient[0] = (gradient[0] ?? 0) + error;
      for (let j = 0; j < STRUCTURAL_SIZE; j++) gradient[1 + j] = (gradient[1 + j] ?? 0) + error * (e.structural[j] ?? 0);
      for (let k = 0; k < e.indices.length; k++) {
        const at = 1 + STRUCTURAL_SIZE + (e.indices[k] ?? 0);
        gradient[at] = (gradient[at] ?? 0) + error * (e.values[k] ?? 0);
      }
    }
    for (let j = 1; j < size; j++) {
      if (j === priorIndex) gradient[j] = (gradient[j] ?? 0) + options.heuristicPriorL2 * ((params[j] ?? 0) - prior);
      else gradient[j] = (gradient[j] ?? 0) + (j <= STRUCTURAL_SIZE ? options.structuralL2 : options.ngramL2) * (params[j] ?? 0);
    }
    optimiser.apply(params, gradient);
  }
  const ngramIndices: number[] = [];
  const ngramWeights: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const w = round5(params[1 + STRUCTURAL_SIZE + b] ?? 0);
    if (Math.abs(w) >= 1e-3) {
      ngramIndices.push(b);
      ngramWeights.push(w);
    }
  }
  return { bias: round5(params[0] ?? 0), structural: Array.from(params.subarray(1, 1 + STRUCTURAL_SIZE), round5), ngramIndices, ngramWeights };
}

export function modelFileFromWeights(weights: TrainedWeights, options: TrainOptions, metadata: Record<string, unknown>): GateModelFile {
  return {
    format: MODEL_FORMAT,
    featureVersion: FEATURE_VERSION,
    bucketBits: options.bucketBits,
    ngramOrders: { min: options.ngramMin, max: options.ngramMax },
    framedNgramFactor: options.framedNgramFactor,
    ngramBias: weights.ngramBias ?? 0,
    ...(weights.blend !== undefined ? { blend: weights.blend } : {}),
    ...(weights.chineseShift !== undefined ? { chineseShift: weights.chineseShift } : {}),
    bias: weights.bias,
    structural: { names: [...STRUCTURAL_FEATURE_NAMES], weights: weights.structural },
    ngrams: { indices: weights.ngramIndices, weights: weights.ngramWeights },
    ...metadata,
  };
}
