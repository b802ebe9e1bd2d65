import type { ChatMessage } from '../core/conversation.js';

export type Route = 'reasoning' | 'direct';

/** What a gate reads: the conversation and whether tools are offered. No HTTP, no upstream. */
export interface GateInput {
  messages: readonly ChatMessage[];
  tools?: readonly unknown[] | undefined;
}

export interface GateDecision {
  /**
   * The ranking score, 0..1: `score >= threshold` ⇔ route `reasoning`. Within each side of the threshold, prompts are
   * ordered by need and difficulty together (above it, a higher score means a harder prompt); see fold.ts.
   */
  score: number;
  route: Route;
  /** Estimated need to think, 0..1, before the difficulty fold (the same threshold applies). Absent: equal to score. */
  need?: number;
  /** Difficulty within the prompt's domain, 0..1 (1 = hardest); see difficulty.ts. Absent when the gate has none. */
  difficulty?: number;
  /** 1: decided on a window of a long turn (or the whole of a short one); 2: the whole turn had to be read. */
  stage?: 1 | 2;
  /** Short codes of the features that pushed the score most, strongest first (e.g. "math_expression", "intent_translate"). */
  reasons: string[];
}

export interface Gate {
  readonly name: string;
  score(input: GateInput): GateDecision;
}
