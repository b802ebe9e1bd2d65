import type { DifficultyWeights } from './difficulty.js';

/**
 * Written by scripts/train-difficulty.ts --write from 2518 permissive-licence lines of difficulty.jsonl
 * (sources: agieval_math, cmath, gsm8k_train, leetcode_cn_doocs, leetcode_en_doocs, tal_scq5k). Features: log_chars, quantities, distinct_quantities, big_numbers, formula_tokens, conditions, questions, sentences, variables, examples_constraints, cjk_share.
 */
export const DIFFICULTY_WEIGHTS: DifficultyWeights = {
  bias: -1.9901,
  weights: [1.099, 0.29093, 0, 0, 0, 0.1995, 0, 0.18259, 0.16413, 0.4473, 0],
  scale: 1.8288,
};
