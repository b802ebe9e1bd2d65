import type { DifficultyWeights } from './difficulty.js';

/**
 * Written by scripts/train-difficulty.ts --write from 2518 permissive-licence lines of difficulty.jsonl
 * (sources: agieval_math, cmath, gsm8k_train, leetcode_cn_doocs, leetcode_en_doocs, tal_scq5k). Features: log_chars, quantities, distinct_quantities, big_numbers, formula_tokens, conditions, questions, sentences, variables, examples_constraints, cjk_share.
 */
export const DIFFICULTY_WEIGHTS: DifficultyWeights = {
  bias: -1.9602,
  weights: [1.0718, 0.28886, 0, 0, 0, 0.20012, 0, 0.22313, 0.16092, 0.44834, 0],
  scale: 1.7926,
};
