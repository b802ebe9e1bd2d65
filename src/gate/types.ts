import type { ChatMessage } from '../core/conversation.js';

export type Route = 'reasoning' | 'direct';

/** What a gate reads: the conversation and whether tools are offered. No HTTP, no upstream. */
export interface GateInput {
  messages: readonly ChatMessage[];
  tools?: readonly unknown[] | undefined;
}

export interface GateDecision {
  /** Estimated need to think, 0..1. */
  score: number;
  route: Route;
  /** Short codes of the features that pushed the score most, strongest first (e.g. "math_expression", "intent_translate"). */
  reasons: string[];
}

export interface Gate {
  readonly name: string;
  score(input: GateInput): GateDecision;
}
