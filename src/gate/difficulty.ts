import { DIFFICULTY_WEIGHTS } from './difficulty-weights.js';

/**
 * Difficulty within a domain: of two maths word problems (or two coding tasks), which one is harder — the one a
 * weaker model is more likely to get wrong. Pure: text in, 0..1 out (1 = hardest).
 *
 * The features are the prompt's length and structure — quantities given, conditions stated, sub-questions and steps
 * asked for, formulae, code constraints — because the per-source level labels in difficulty.jsonl (competition levels,
 * school grades, solution steps, problem tiers) do not transfer by themselves: a regression over hashed n-grams
 * learns each source's style and ranks unseen benchmarks worse than length alone. The weights (difficulty-weights.ts,
 * written by scripts/train-difficulty.ts) are a ridge regression of the per-source standardised level on these few
 * dense features, chosen by leave-one-source-out results.
 */

export const DIFFICULTY_FEATURE_NAMES = [
  'log_chars',
  'quantities',
  'distinct_quantities',
  'big_numbers',
  'formula_tokens',
  'conditions',
  'questions',
  'sentences',
  'variables',
  'examples_constraints',
  'cjk_share',
] as const;

export const DIFFICULTY_SIZE = DIFFICULTY_FEATURE_NAMES.length;

/** Digit runs with an optional decimal part: the given quantities of a word problem. */
const QUANTITY = /\d+(?:[.,]\d+)?/g;
/** Operators, relations and LaTeX commands: a formula's size. */
const FORMULA = /\\[a-zA-Z]+|[=+*/^<>≤≥≠×÷√∑∫]|(?<=\w\s?)-(?=\s?\w)/g;
/** Words that add a condition or a relation between quantities. */
const CONDITION =
  /\b(?:if|given|such that|suppose|assume|each|every|per|at least|at most|more than|less than|fewer than|twice|times|half|percent|remaining|left over|ratio|only if|unless|except|without|after|before)\b|%|如果|假如|若|且|每|至少|最多|不超过|不少于|比|倍|一共|剩下|剩余|其余|其中|满足|同时|分别|恰好|只有|除了/gi;
/** What is being asked: the number of unknowns or sub-questions. */
const QUESTION = /[?？]|\b(?:find|compute|calculate|determine|how many|how much|what is|prove|show that|return)\b|求|多少|几|证明|返回/gi;
const SENTENCE_END = /[.!?。！？；;]\s|[。！？；]|\n/g;
/** Single-letter variables in maths ("x", "$n$") and identifiers in code statements. */
const VARIABLE = /(?<![A-Za-z\\])[a-zA-Z](?![A-Za-z])/g;
/** Worked examples and constraint lines of a programming task. */
const EXAMPLES_CONSTRAINTS = /\b(?:example|constraints?|input|output)\b|示例|提示|输入|输出|10\^\d|10<sup>/gi;
const MAX_MAGNITUDE_DIGITS = 8;
const CJK = /[\u3400-\u9fff]/g;

function count(pattern: RegExp, text: string): number {
  pattern.lastIndex = 0;
  let n = 0;
  while (pattern.exec(text) !== null) n++;
  return n;
}

/**
 * Dense features, each roughly within 0..3. `chars` is the turn's length before bounding (UTF-16 units); `text` may
 * be the bounded text. Cost: one pass per pattern over the text (a few µs for 2 KB).
 */
export function difficultyFeatures(text: string, chars = text.length): Float64Array {
  const features = new Float64Array(DIFFICULTY_SIZE);
  const distinct = new Set<string>();
  let quantities = 0;
  let maxDigits = 0;
  QUANTITY.lastIndex = 0;
  for (let match = QUANTITY.exec(text); match !== null; match = QUANTITY.exec(text)) {
    quantities++;
    if (distinct.size < 64) distinct.add(match[0]);
    const digits = match[0].split(/[.,]/)[0]?.length ?? 0;
    if (digits > maxDigits) maxDigits = digits;
  }
  const cjk = count(CJK, text);
  const values = [
    Math.log1p(Math.max(chars, text.length)) / 4,
    Math.log1p(quantities) / 2,
    Math.log1p(distinct.size) / 2,
    Math.min(maxDigits, MAX_MAGNITUDE_DIGITS) / MAX_MAGNITUDE_DIGITS,
    Math.log1p(count(FORMULA, text)) / 3,
    Math.log1p(count(CONDITION, text)) / 2,
    Math.log1p(count(QUESTION, text)) / 2,
    Math.log1p(count(SENTENCE_END, text)) / 2,
    Math.log1p(count(VARIABLE, text)) / 3,
    Math.log1p(count(EXAMPLES_CONSTRAINTS, text)) / 2,
    text.length === 0 ? 0 : cjk / text.length,
  ];
  values.forEach((v, i) => (features[i] = v));
  return features;
}

export interface DifficultyWeights {
  bias: number;
  /** One weight per DIFFICULTY_FEATURE_NAMES entry, same order. */
  weights: readonly number[];
  /** Logistic squash of the linear score: 0..1 with `scale` spread. */
  scale: number;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Linear difficulty score (unbounded; larger = harder). */
export function difficultyLogit(features: Float64Array, model: DifficultyWeights = DIFFICULTY_WEIGHTS): number {
  let sum = model.bias;
  for (let i = 0; i < DIFFICULTY_SIZE; i++) sum += (features[i] ?? 0) * (model.weights[i] ?? 0);
  return sum * model.scale;
}

/** Difficulty of one turn, 0..1 (1 = hardest). Empty text → 0. */
export function scoreDifficulty(text: string, chars = text.length, model: DifficultyWeights = DIFFICULTY_WEIGHTS): number {
  if (text.trim().length === 0) return 0;
  return sigmoid(difficultyLogit(difficultyFeatures(text, chars), model));
}
