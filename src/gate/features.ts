import { heuristicContributions, heuristicLogit } from './heuristic.js';
import { boundText } from './text.js';
import { CUES, CUE_INDEX, DEMAND_CUES, cjkShare, cueCounts, estimateTokens, isDirectTaskFrame, isPassageLookup, isTrivialArithmetic } from './cues.js';

/**
 * Feature extraction of the learned gate. Pure: text in, numbers out.
 * Two families:
 *  - structural features (cues, length, conversation shape): few, dense, designed to transfer across sources;
 *  - hashed character n-grams (n = 2..4) over normalised char codes: many, sparse, heavily regularised at training
 *    time because they are what picks up a source's style.
 * The n-gram hashing rolls FNV-1a over char codes: no substring is allocated per n-gram.
 */

/** Bump when the layout or the meaning of any feature changes; models trained on another version are rejected. */
export const FEATURE_VERSION = 10;
/** Shortest and longest character n-gram hashed; a model file may narrow or widen the range (1 ≤ min ≤ max ≤ 5). */
export interface NgramOrders {
  min: number;
  max: number;
}
export const DEFAULT_NGRAM_ORDERS: NgramOrders = { min: 2, max: 4 };

export interface StructuralContext {
  /** Length of the turn before bounding (may exceed text.length). */
  chars: number;
  userTurns: number;
  hasSystem: boolean;
  hasTools: boolean;
}

const EXTRA_FEATURES = [
  'demand_total',
  'demand_kinds',
  'intent_frame',
  'intent_frame_x_demand',
  'trivial_arithmetic',
  'log_chars',
  'log_tokens',
  'cjk_share',
  'lines',
  'very_short',
  'has_system',
  'has_tools',
  'log_turns',
  'heuristic_logit',
] as const;

export const STRUCTURAL_FEATURE_NAMES: readonly string[] = [...CUES.map((c) => `cue_${c.name}`), ...EXTRA_FEATURES];
export const STRUCTURAL_SIZE = STRUCTURAL_FEATURE_NAMES.length;
export const HEURISTIC_FEATURE_INDEX = STRUCTURAL_FEATURE_NAMES.indexOf('heuristic_logit');
/** 1 when a direct-task frame (translate/summarise/rewrite…) sits at the text's edges. */
export const INTENT_FRAME_INDEX = STRUCTURAL_FEATURE_NAMES.indexOf('intent_frame');
/** heuristic_logit is stored divided by this; a weight equal to it reproduces the heuristic exactly. */
export const HEURISTIC_IDENTITY_WEIGHT = 4;

const DEMAND_INDICES = DEMAND_CUES.map((name) => CUE_INDEX[name] ?? -1).filter((i) => i >= 0);
const NEWLINE = 10;

function countLines(text: string): number {
  let lines = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === NEWLINE) lines++;
  return lines;
}

/** Dense structural features; values are kept roughly within 0..3 so one regularisation strength fits all. */
export function structuralFeatures(text: string, context: StructuralContext): Float64Array {
  const counts = cueCounts(text);
  const features = new Float64Array(STRUCTURAL_SIZE);
  for (let i = 0; i < counts.length; i++) features[i] = Math.log1p(counts[i] ?? 0);
  let demandTotal = 0;
  let demandKinds = 0;
  for (const i of DEMAND_INDICES) {
    const count = counts[i] ?? 0;
    demandTotal += count;
    if (count > 0) demandKinds++;
  }
  const intentFrame = isDirectTaskFrame(counts) ? 1 : 0;
  const chars = Math.max(context.chars, text.length);
  const values: Record<(typeof EXTRA_FEATURES)[number], number> = {
    demand_total: Math.log1p(demandTotal),
    demand_kinds: demandKinds / 3,
    intent_frame: intentFrame,
    intent_frame_x_demand: (intentFrame * demandKinds) / 3,
    trivial_arithmetic: isTrivialArithmetic(text) ? 1 : 0,
    log_chars: Math.log1p(chars) / 4,
    log_tokens: Math.log1p(estimateTokens(text, chars)) / 4,
    cjk_share: cjkShare(text),
    lines: Math.log1p(countLines(text) - 1) / 2,
    very_short: chars < 25 ? 1 : 0,
    has_system: context.hasSystem ? 1 : 0,
    has_tools: context.hasTools ? 1 : 0,
    log_turns: Math.log1p(Math.max(0, context.userTurns - 1)) / 2,
    // The hand-set gate as one input: the model corrects it instead of re-deriving it from few sources.
    heuristic_logit: heuristicLogit(heuristicContributions(counts, chars, isPassageLookup(text))) / HEURISTIC_IDENTITY_WEIGHT,
  };
  EXTRA_FEATURES.forEach((name, k) => {
    features[CUES.length + k] = values[name];
  });
  return features;
}

/** N-grams are taken from a shorter window than the cues: wording style saturates early and this bounds training cost. */
const NGRAM_BOUNDS = { headChars: 3000, tailChars: 1000 };

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Folds case, digits, whitespace runs and full-width forms so "３", "3" and "7" share n-grams: sources differ in such style. */
function normaliseCode(code: number): number {
  if (code >= 0xff01 && code <= 0xff5e) code -= 0xfee0; // full-width ASCII → ASCII
  if (code >= 65 && code <= 90) return code + 32;
  if (code >= 48 && code <= 57) return 48;
  if (code <= 32 || code === 0x3000 || code === 0xa0) return 32;
  if (code === 0x3002) return 46; // 。→ .
  if (code === 0x3001) return 44; // 、→ ,
  return code;
}

/** Normalised char codes with whitespace runs collapsed, written to `into` when it is long enough. */
function normalisedCodes(text: string, into?: Uint16Array): { codes: Uint16Array; length: number } {
  const codes = into !== undefined && into.length >= text.length ? into : new Uint16Array(text.length);
  let length = 0;
  let previous = 32;
  for (let i = 0; i < text.length; i++) {
    const code = normaliseCode(text.charCodeAt(i));
    if (code === 32 && previous === 32) continue;
    codes[length++] = code;
    previous = code;
  }
  return { codes, length };
}

function fold(hash: number, mask: number): number {
  return ((hash ^ (hash >>> 15)) >>> 0) & mask;
}

/**
 * Calls visit(bucket) for every n-gram (n = orders.min..orders.max) and returns how many there were.
 * The hash of the 3-gram at i extends the 2-gram's, and so on: one FNV step per position and order.
 */
export function forEachNgramBucket(text: string, bucketBits: number, visit: (bucket: number) => void, orders: NgramOrders = DEFAULT_NGRAM_ORDERS): number {
  const mask = (1 << bucketBits) - 1;
  const { codes, length } = normalisedCodes(boundText(text, NGRAM_BOUNDS));
  let visited = 0;
  for (let i = 0; i + orders.min <= length; i++) {
    let hash = FNV_OFFSET;
    for (let k = 0; k < orders.max && i + k < length; k++) {
      hash = Math.imul(hash ^ (codes[i + k] ?? 0), FNV_PRIME);
      if (k + 1 >= orders.min) {
        visit(fold(hash, mask));
        visited++;
      }
    }
  }
  return visited;
}

/**
 * The n-gram weights as the gate scores with them: one 16-bit integer per bucket and one scale (weight ≈ code × scale).
 * A prompt reads ~200 buckets at random places of the table, and in a server the rest of a request evicts the table
 * from the core's caches between two prompts, so nearly every read is a cache miss: the table's size is the gate's
 * largest data footprint. 16 bits halve it against float32 (128 KB for 2^16 buckets) and keep the scores: rounding
 * moves a weight by at most scale / 2 (2.2e-5 for the shipped model, whose largest weight is 1.45), and the need of
 * any prompt of the evaluation sets by less than 1e-5. 8 bits (64 KB) were tried and dropped: a linear step of
 * 0.011 is as large as most weights, and a 256-level codebook moved routes at the threshold.
 */
export interface NgramTable {
  codes: Int16Array;
  /** Weight of one code unit. */
  scale: number;
  /**
   * The normalised text being scored, reused by every call (scoring is synchronous): a fresh array per call was a
   * malloc'd store past 32 characters and fresh memory to the caches each time.
   */
  scratch: Uint16Array;
}

/** Longest text ngramScore reads: NGRAM_BOUNDS's head and tail and the elision between them (boundText). */
const NGRAM_MAX_CHARS = NGRAM_BOUNDS.headChars + NGRAM_BOUNDS.tailChars + 8;

const CODE_MAX = 32767;

/** Quantises sparse weights (bucket indices and their weights) into a table of `size` buckets; other buckets are 0. */
export function ngramTable(size: number, indices: readonly number[], weights: readonly number[]): NgramTable {
  let largest = 0;
  for (const w of weights) largest = Math.max(largest, Math.abs(w));
  const scale = largest === 0 ? 1 : largest / CODE_MAX;
  const codes = new Int16Array(size);
  indices.forEach((bucket, k) => {
    codes[bucket] = Math.round((weights[k] ?? 0) / scale);
  });
  return { codes, scale, scratch: new Uint16Array(NGRAM_MAX_CHARS) };
}

/**
 * Dot product of n-gram weights with the length-normalised n-gram vector (each occurrence weighs 1/√count).
 * Same walk as forEachNgramBucket, inlined: this is the hot path and a callback per n-gram costs ~2× here. The codes
 * are summed as integers (exact) and scaled once.
 */
export function ngramScore(text: string, table: NgramTable, bucketBits: number, orders: NgramOrders = DEFAULT_NGRAM_ORDERS): number {
  const mask = (1 << bucketBits) - 1;
  const weights = table.codes;
  const { codes, length } = normalisedCodes(boundText(text, NGRAM_BOUNDS), table.scratch);
  const { min, max } = orders;
  let sum = 0;
  let count = 0;
  for (let i = 0; i + min <= length; i++) {
    let hash = FNV_OFFSET;
    const end = Math.min(length, i + max);
    for (let k = i; k < end; k++) {
      hash = Math.imul(hash ^ (codes[k] ?? 0), FNV_PRIME);
      if (k - i + 1 < min) continue;
      sum += weights[fold(hash, mask)] ?? 0;
      count++;
    }
  }
  return count === 0 ? 0 : (sum * table.scale) / Math.sqrt(count);
}

/** Sparse n-gram vector for training: bucket → value, same normalisation as ngramScore. */
export function ngramVector(text: string, bucketBits: number, orders: NgramOrders = DEFAULT_NGRAM_ORDERS): { indices: Int32Array; values: Float32Array } {
  const counts = new Map<number, number>();
  const total = forEachNgramBucket(text, bucketBits, (bucket) => counts.set(bucket, (counts.get(bucket) ?? 0) + 1), orders);
  const indices = new Int32Array(counts.size);
  const values = new Float32Array(counts.size);
  const scale = total === 0 ? 0 : 1 / Math.sqrt(total);
  let k = 0;
  for (const [bucket, count] of [...counts].sort((a, b) => a[0] - b[0])) {
    indices[k] = bucket;
    values[k] = count * scale;
    k++;
  }
  return { indices, values };
}
