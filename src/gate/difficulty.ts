import { DIFFICULTY_WEIGHTS } from './difficulty-weights.js';
import { LOWER_CASE_SCANNER } from './cues.js';

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

/** Words that add a condition or a relation between quantities (run on lower-cased text). */
const CONDITION =
  /\b(?:if|given|such that|suppose|assume|each|every|per|at least|at most|more than|less than|fewer than|twice|times|half|percent|remaining|left over|ratio|only if|unless|except|without|after|before)\b|%|如果|假如|若|且|每|至少|最多|不超过|不少于|比|倍|一共|剩下|剩余|其余|其中|满足|同时|分别|恰好|只有|除了/g;
/** What is being asked: the number of unknowns or sub-questions (lower-cased text). */
const QUESTION = /[?？]|\b(?:find|compute|calculate|determine|how many|how much|what is|prove|show that|return)\b|求|多少|几|证明|返回/g;
/** Operators, relations and LaTeX commands: a formula's size. */
const FORMULA = /\\[a-z]+|[=+*/^<>≤≥≠×÷√∑∫]/g;
/** Worked examples and constraint lines of a programming task (lower-cased text). */
const EXAMPLES_CONSTRAINTS = /\b(?:example|constraints?|input|output)\b|示例|提示|输入|输出|10\^\d|10<sup>/g;
const MAX_MAGNITUDE_DIGITS = 8;
const DISTINCT_MAX = 64;
/** Characters of a long turn read for the counted features; counts are scaled up to the whole turn. */
const COUNTED_CHARS = 6144;

/**
 * The counted patterns, by feature index, in the cues' lower-case prefix scanner (prefix-scan.ts, cues.ts): one pass
 * over the text counts every one the weights use, where a global regex scan each ran its own compiled code over the whole text (the code and the
 * match objects were most of difficulty's cost inside a busy server).
 */
const COUNTED: ReadonlyArray<readonly [feature: number, pattern: RegExp]> = [
  [4, FORMULA],
  [5, CONDITION],
  [6, QUESTION],
  [9, EXAMPLES_CONSTRAINTS],
];
const SCANNER = LOWER_CASE_SCANNER;
/** Scanner unit of each feature, -1 for a feature that is not a pattern count. */
const UNIT_OF = new Int32Array(DIFFICULTY_SIZE).fill(-1);
for (const [feature, pattern] of COUNTED) {
  const unit = SCANNER.add(pattern);
  if (unit < 0) throw new Error(`difficulty pattern ${pattern.source.slice(0, 40)}… has no bounded match prefixes; the prefix scanner cannot count it`);
  UNIT_OF[feature] = unit;
}
const UNCAPPED = Number.POSITIVE_INFINITY;
/** Features of the scoreDifficulty call in progress: 11 float64s are past what V8 keeps on its heap (a malloc per call). */
const FEATURES = new Float64Array(DIFFICULTY_SIZE);
/** The scanner's counts of the call in progress (difficulty is scored synchronously; one buffer, not one per call). */
const COUNTS = new Int32Array(SCANNER.size);

/** A feature the model gives no weight is not computed (its pattern count is the cost); no weights: every one is. */
function isUsed(weights: readonly number[] | undefined, feature: number): boolean {
  return weights === undefined || (weights[feature] ?? 0) !== 0;
}

/** The count of a counted feature's pattern from the last scan (0 when it was not scanned). */
function patternCount(feature: number, units: number): number {
  const unit = UNIT_OF[feature] ?? -1;
  return unit >= 0 && (units & (1 << unit)) !== 0 ? (COUNTS[unit] ?? 0) : 0;
}

/** Quantities (digit runs, "3.5" counted once), their distinct values, the longest integer part, sentence ends,
 * single-letter variables and CJK characters, in one pass over the char codes (no per-char calls: hot path). */
export function scan(text: string): { quantities: number; distinct: number; maxDigits: number; sentences: number; variables: number; cjk: number } {
  let quantities = 0;
  let maxDigits = 0;
  let sentences = 0;
  let variables = 0;
  let cjk = 0;
  // Distinct values, at most DISTINCT_MAX of them: a short list searched in place (a Set per call cost more).
  const distinct: number[] = [];
  let run = 0;
  let value = 0;
  let afterPoint = false;
  let letters = 0;
  let beforeLetters = 32;
  let previous = 32;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    const letter = (code | 32) >= 97 && (code | 32) <= 122;
    if (letter) {
      if (letters === 0) beforeLetters = previous;
      letters++;
      previous = code;
      continue;
    }
    // A run of exactly one letter, not a LaTeX command's: a variable ("x", "$n$").
    if (letters === 1 && beforeLetters !== 92) variables++;
    letters = 0;
    if (code >= 48 && code <= 57) {
      if (run === 0 && !afterPoint) quantities++;
      run++;
      value = (value * 10 + code - 48) % 1_000_003;
      if (!afterPoint && run > maxDigits) maxDigits = run;
      previous = code;
      continue;
    }
    if (run > 0) {
      const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
      // "3.5" / "1,000": one quantity, the digits after the point do not start a new one.
      if ((code === 46 || code === 44) && next >= 48 && next <= 57 && !afterPoint) {
        afterPoint = true;
        run = 0;
        previous = code;
        continue;
      }
      if (distinct.length < DISTINCT_MAX && !distinct.includes(value)) distinct.push(value);
    }
    run = 0;
    value = 0;
    afterPoint = false;
    if (code >= 0x3400 && code <= 0x9fff) cjk++;
    else if (code === 10 || code === 0x3002 || code === 0xff01 || code === 0xff1f || code === 0xff1b) sentences++;
    else if ((code === 46 || code === 33 || code === 63 || code === 59) && (i + 1 >= length || text.charCodeAt(i + 1) <= 32)) sentences++;
    previous = code;
  }
  if (letters === 1 && beforeLetters !== 92) variables++;
  if (run > 0 && distinct.length < DISTINCT_MAX && !distinct.includes(value)) distinct.push(value);
  return { quantities, distinct: distinct.length, maxDigits, sentences, variables, cjk };
}

/**
 * Dense features, each roughly within 0..3. `chars` is the turn's length before bounding (UTF-16 units); `text` may
 * be the bounded text. Counts are read from the first COUNTED_CHARS characters and scaled to the whole text, so the
 * cost is bounded (~10 µs for 2 KB). `into` (DIFFICULTY_SIZE long), when given, is filled and returned instead of a new
 * array.
 */
export function difficultyFeatures(text: string, chars = text.length, weights?: readonly number[], into?: Float64Array): Float64Array {
  const features = into ?? new Float64Array(DIFFICULTY_SIZE);
  const read = text.length > COUNTED_CHARS ? text.slice(0, COUNTED_CHARS) : text;
  // Counts stand for the whole turn: scaled up when only a part of it (a window, a bounded head) was read.
  const whole = Math.max(chars, text.length);
  const scale = read.length > 0 && whole > read.length ? whole / read.length : 1;
  let units = 0;
  for (let feature = 0; feature < DIFFICULTY_SIZE; feature++) if ((UNIT_OF[feature] ?? -1) >= 0 && isUsed(weights, feature)) units |= 1 << (UNIT_OF[feature] ?? 0);
  if (units !== 0) SCANNER.count(read.toLowerCase(), COUNTS, UNCAPPED, units);
  const s = scan(read);
  features[0] = Math.log1p(Math.max(chars, text.length)) / 4;
  features[1] = Math.log1p(s.quantities * scale) / 2;
  features[2] = Math.log1p(s.distinct) / 2;
  features[3] = Math.min(s.maxDigits, MAX_MAGNITUDE_DIGITS) / MAX_MAGNITUDE_DIGITS;
  features[4] = isUsed(weights, 4) ? Math.log1p(patternCount(4, units) * scale) / 3 : 0;
  features[5] = isUsed(weights, 5) ? Math.log1p(patternCount(5, units) * scale) / 2 : 0;
  features[6] = isUsed(weights, 6) ? Math.log1p(patternCount(6, units) * scale) / 2 : 0;
  features[7] = Math.log1p(s.sentences * scale) / 2;
  features[8] = Math.log1p(s.variables * scale) / 3;
  features[9] = isUsed(weights, 9) ? Math.log1p(patternCount(9, units) * scale) / 2 : 0;
  features[10] = read.length === 0 ? 0 : s.cjk / read.length;
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
  return sigmoid(difficultyLogit(difficultyFeatures(text, chars, model.weights, FEATURES), model));
}
