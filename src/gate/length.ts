import { decide, type ThresholdSource } from './decide.js';
import type { Gate, GateDecision, GateInput } from './types.js';

/** Baseline only: "longer prompts need more thought". Used to show what the real gates add. */
const FULL_SCORE_CHARS = 4000;

export function createLengthGate(options: { threshold: ThresholdSource }): Gate {
  return {
    name: 'length',
    score(input: GateInput): GateDecision {
      return decide((_text, context) => ({ score: Math.min(1, Math.log1p(context.chars) / Math.log1p(FULL_SCORE_CHARS)), reasons: ['length'] }), input, {
        threshold: options.threshold,
        difficulty: false,
      });
    },
  };
}
