import type { LabelledPrompt } from '../../src/gate/augment.js';
import { forEachNgramBucket, type NgramOrders } from '../../src/gate/features.js';
import { seededRandom } from '../../src/gate/prng.js';
import { boundText } from '../../src/gate/text.js';
import { exampleWeights } from '../../src/gate/training.js';

/**
 * A small MLP over hashed character n-grams (an "embedding bag", fastText-like, with one ReLU hidden layer), for the
 * experiment in docs/gate-nn-experiment.md. Experiment code, not the gateway's: nothing in src/ imports it.
 *
 *   pre_j  = b1_j + (1/√n) · Σ over the n occurrences of E[bucket]_j     (the LR's 1/√count normalisation)
 *   logit  = b2 + Σ_j w2_j · max(0, pre_j)
 *
 * Buckets are the LR's (features.ts forEachNgramBucket: FNV-1a over normalised char codes), optionally with hashed
 * Latin word unigrams and bigrams in the same table. Trained with per-example Adagrad on the weighted logistic loss,
 * with the LR's example weights (training.ts exampleWeights: (source, label) groups ∝ √size, classes balanced),
 * seeded initialisation and shuffling (prng.ts): same rows and options → same weights. The table is then quantised
 * to int8 with one scale per hidden unit, and every score this module returns is the quantised model's.
 */

export interface BagOptions {
  bucketBits: number;
  hidden: number;
  orders: NgramOrders;
  /** Add hashed word unigrams and bigrams of Latin-script words (digits folded) to the bag. */
  words: boolean;
  epochs: number;
  /** Adagrad step size. */
  learningRate: number;
  /** L2 pull on every parameter an example touches, per update. */
  l2: number;
  /** Initial table entries are uniform in ±initScale. */
  initScale: number;
  /** Share of a prompt's n-gram occurrences dropped at random in each training step (0 = none). */
  dropout: number;
  /**
   * Label smoothing: targets are smoothing/2 and 1 − smoothing/2. Caps how sure the model gets from wording alone
   * (at 0.1, about ±3 logits on training text, against the LR's held-out spread of ±1.3 sd).
   */
  smoothing: number;
  seed: number;
}

export const DEFAULT_BAG_OPTIONS: BagOptions = {
  bucketBits: 15,
  hidden: 16,
  orders: { min: 1, max: 4 },
  words: false,
  epochs: 8,
  learningRate: 0.05,
  l2: 1e-6,
  initScale: 0.1,
  dropout: 0,
  smoothing: 0,
  seed: 20240611,
};

/** The quantised model: codes[bucket · hidden + j] · scales[j] is E[bucket]_j. */
export interface EmbeddingBag {
  bucketBits: number;
  hidden: number;
  orders: NgramOrders;
  words: boolean;
  codes: Int8Array;
  scales: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: number;
}

/** The window the LR's n-grams are read from (features.ts NGRAM_BOUNDS): the words use the same. */
const WORD_BOUNDS = { headChars: 3000, tailChars: 1000 };
const WORD = /[a-z]+(?:'[a-z]+)?|[0-9]+/g;
const WORD_OFFSET = 0x9747b28c;
const FNV_PRIME = 0x01000193;

function wordHash(word: string): number {
  let hash = WORD_OFFSET;
  for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), FNV_PRIME);
  return hash;
}

/** Calls visit(bucket) for each word unigram and bigram of the text's Latin words; numbers are one word "0". */
function forEachWordBucket(text: string, bucketBits: number, visit: (bucket: number) => void): void {
  const mask = (1 << bucketBits) - 1;
  const bucket = (hash: number): number => ((hash ^ (hash >>> 15)) >>> 0) & mask;
  let previous = 0;
  for (const match of boundText(text, WORD_BOUNDS).toLowerCase().matchAll(WORD)) {
    const word = match[0];
    const hash = wordHash(word.charCodeAt(0) <= 57 ? '0' : word);
    visit(bucket(hash));
    if (previous !== 0) visit(bucket(Math.imul(previous ^ (hash >>> 7) ^ 0x5bd1e995, FNV_PRIME)));
    previous = hash;
  }
}

/** Scratch for one text's bucket occurrences (grown when a text needs more). */
export interface Scratch {
  buckets: Int32Array;
}

export function newScratch(): Scratch {
  return { buckets: new Int32Array(1 << 15) };
}

/** Writes the bucket of every occurrence (n-grams, then words) into scratch.buckets; returns the count. */
export function collectBuckets(text: string, model: Pick<EmbeddingBag, 'bucketBits' | 'orders' | 'words'>, scratch: Scratch): number {
  let n = 0;
  const visit = (bucket: number): void => {
    if (n === scratch.buckets.length) {
      const grown = new Int32Array(n * 2);
      grown.set(scratch.buckets);
      scratch.buckets = grown;
    }
    scratch.buckets[n++] = bucket;
  };
  forEachNgramBucket(text, model.bucketBits, visit, model.orders);
  if (model.words) forEachWordBucket(text, model.bucketBits, visit);
  return n;
}

/** The quantised model's logit for a text. `acc` is an Int32Array(hidden) reused across calls. */
export function bagLogit(model: EmbeddingBag, text: string, scratch: Scratch, acc: Int32Array): number {
  const n = collectBuckets(text, model, scratch);
  if (n === 0) return bagOutput(model, acc.fill(0), 0);
  const { codes, hidden } = model;
  const buckets = scratch.buckets;
  acc.fill(0);
  if (hidden === 16) {
    accumulate16(codes, buckets, n, acc);
    return bagOutput(model, acc, 1 / Math.sqrt(n));
  }
  for (let k = 0; k < n; k++) {
    const base = (buckets[k] ?? 0) * hidden;
    for (let j = 0; j < hidden; j++) acc[j] = (acc[j] ?? 0) + (codes[base + j] ?? 0);
  }
  return bagOutput(model, acc, 1 / Math.sqrt(n));
}

/**
 * The sum over occurrences of 16 int8 columns, in 16 locals: the generic loop over an Int32Array accumulator costs
 * ~2 ns per addition on this machine, the unrolled one well under half of that (the bench in the experiment script).
 */
function accumulate16(codes: Int8Array, buckets: Int32Array, n: number, acc: Int32Array): void {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
  let a8 = 0, a9 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0, a14 = 0, a15 = 0;
  for (let k = 0; k < n; k++) {
    const b = (buckets[k] ?? 0) << 4;
    a0 += codes[b] ?? 0;
    a1 += codes[b + 1] ?? 0;
    a2 += codes[b + 2] ?? 0;
    a3 += codes[b + 3] ?? 0;
    a4 += codes[b + 4] ?? 0;
    a5 += codes[b + 5] ?? 0;
    a6 += codes[b + 6] ?? 0;
    a7 += codes[b + 7] ?? 0;
    a8 += codes[b + 8] ?? 0;
    a9 += codes[b + 9] ?? 0;
    a10 += codes[b + 10] ?? 0;
    a11 += codes[b + 11] ?? 0;
    a12 += codes[b + 12] ?? 0;
    a13 += codes[b + 13] ?? 0;
    a14 += codes[b + 14] ?? 0;
    a15 += codes[b + 15] ?? 0;
  }
  acc.set([a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15]);
}

function bagOutput(model: EmbeddingBag, acc: Int32Array, inverseRoot: number): number {
  let out = model.b2;
  for (let j = 0; j < model.hidden; j++) {
    const pre = (model.b1[j] ?? 0) + (acc[j] ?? 0) * (model.scales[j] ?? 0) * inverseRoot;
    if (pre > 0) out += (model.w2[j] ?? 0) * pre;
  }
  return out;
}

interface Example {
  indices: Int32Array;
  /** Occurrences of each bucket / √(all occurrences). */
  values: Float64Array;
  target: number;
  weight: number;
}

function toExample(row: LabelledPrompt, weight: number, options: BagOptions, scratch: Scratch): Example {
  const n = collectBuckets(row.prompt, options, scratch);
  const counts = new Map<number, number>();
  for (let k = 0; k < n; k++) counts.set(scratch.buckets[k] ?? 0, (counts.get(scratch.buckets[k] ?? 0) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => a[0] - b[0]);
  const scale = n === 0 ? 0 : 1 / Math.sqrt(n);
  const target = row.label === 'reasoning' ? 1 - options.smoothing / 2 : options.smoothing / 2;
  return { indices: Int32Array.from(sorted, ([b]) => b), values: Float64Array.from(sorted, ([, c]) => c * scale), target, weight };
}

const EPSILON = 1e-8;

/**
 * Trains on `rows` (already the training rows: permitted lines plus framed copies, training.ts trainingRows) and
 * returns the quantised model. Pure and deterministic.
 */
export function trainBag(rows: readonly LabelledPrompt[], options: BagOptions, frameWeight: number): EmbeddingBag {
  const weights = exampleWeights(rows, frameWeight);
  const scratch = newScratch();
  const examples = rows.map((row, i) => toExample(row, weights[i] ?? 1, options, scratch));
  const H = options.hidden;
  const buckets = 2 ** options.bucketBits;
  const random = seededRandom(options.seed);
  const table = new Float64Array(buckets * H);
  for (let i = 0; i < table.length; i++) table[i] = (2 * random() - 1) * options.initScale;
  const tableG = new Float64Array(buckets * H);
  const b1 = new Float64Array(H).fill(0.1);
  const b1G = new Float64Array(H);
  const w2 = Float64Array.from({ length: H }, () => (2 * random() - 1) / Math.sqrt(H));
  const w2G = new Float64Array(H);
  let b2 = 0;
  let b2G = 0;
  const pre = new Float64Array(H);
  const dPre = new Float64Array(H);
  const order = examples.map((_, i) => i);
  const step = (g: number, accumulated: number): number => (options.learningRate * g) / (Math.sqrt(accumulated) + EPSILON);
  const keep = 1 - options.dropout;
  const kept = new Uint8Array(1 << 16);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
    }
    for (const index of order) {
      const e = examples[index];
      if (e === undefined) continue;
      const nnz = e.indices.length;
      if (kept.length < nnz) throw new Error('an example has more distinct buckets than the dropout mask holds');
      for (let k = 0; k < nnz; k++) kept[k] = options.dropout === 0 || random() < keep ? 1 : 0;
      const inputScale = options.dropout === 0 ? 1 : 1 / keep;
      for (let j = 0; j < H; j++) pre[j] = b1[j] ?? 0;
      for (let k = 0; k < nnz; k++) {
        if (kept[k] === 0) continue;
        const v = (e.values[k] ?? 0) * inputScale;
        const base = (e.indices[k] ?? 0) * H;
        for (let j = 0; j < H; j++) pre[j] = (pre[j] ?? 0) + v * (table[base + j] ?? 0);
      }
      let logit = b2;
      for (let j = 0; j < H; j++) if ((pre[j] ?? 0) > 0) logit += (w2[j] ?? 0) * (pre[j] ?? 0);
      const g = (1 / (1 + Math.exp(-logit)) - e.target) * e.weight;
      for (let j = 0; j < H; j++) {
        const h = Math.max(0, pre[j] ?? 0);
        dPre[j] = h > 0 ? g * (w2[j] ?? 0) : 0;
        const gw = g * h + options.l2 * (w2[j] ?? 0);
        w2G[j] = (w2G[j] ?? 0) + gw * gw;
        w2[j] = (w2[j] ?? 0) - step(gw, w2G[j] ?? 0);
        const gb = dPre[j] ?? 0;
        b1G[j] = (b1G[j] ?? 0) + gb * gb;
        b1[j] = (b1[j] ?? 0) - step(gb, b1G[j] ?? 0);
      }
      b2G += g * g;
      b2 -= step(g, b2G);
      for (let k = 0; k < nnz; k++) {
        if (kept[k] === 0) continue;
        const v = (e.values[k] ?? 0) * inputScale;
        const base = (e.indices[k] ?? 0) * H;
        for (let j = 0; j < H; j++) {
          const at = base + j;
          const gt = (dPre[j] ?? 0) * v + options.l2 * (table[at] ?? 0);
          tableG[at] = (tableG[at] ?? 0) + gt * gt;
          table[at] = (table[at] ?? 0) - step(gt, tableG[at] ?? 0);
        }
      }
    }
  }
  // A bucket no training prompt reached carries no evidence: its random start must not move unseen text.
  for (let b = 0; b < buckets; b++) {
    let touched = false;
    for (let j = 0; j < H && !touched; j++) touched = (tableG[b * H + j] ?? 0) > 0;
    if (!touched) table.fill(0, b * H, (b + 1) * H);
  }
  return quantise(table, { ...options, b1, w2, b2 });
}

/** int8 per hidden unit (column): scale_j = max |E[·]_j| / 127. */
function quantise(table: Float64Array, parts: BagOptions & { b1: Float64Array; w2: Float64Array; b2: number }): EmbeddingBag {
  const H = parts.hidden;
  const scales = new Float32Array(H);
  for (let i = 0; i < table.length; i++) scales[i % H] = Math.max(scales[i % H] ?? 0, Math.abs(table[i] ?? 0));
  for (let j = 0; j < H; j++) scales[j] = (scales[j] ?? 0) === 0 ? 1 : (scales[j] ?? 0) / 127;
  const codes = new Int8Array(table.length);
  for (let i = 0; i < table.length; i++) codes[i] = Math.round((table[i] ?? 0) / (scales[i % H] ?? 1));
  return { bucketBits: parts.bucketBits, hidden: H, orders: parts.orders, words: parts.words, codes, scales, b1: Float32Array.from(parts.b1), w2: Float32Array.from(parts.w2), b2: parts.b2 };
}

/** Bytes of the model's weights as int8 table + float32 vectors (what a committed binary weights file would hold). */
export function bagBytes(model: EmbeddingBag): number {
  return model.codes.length + 4 * (model.scales.length + model.b1.length + model.w2.length + 1);
}
