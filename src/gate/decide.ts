import { isTrivialArithmetic } from './cues.js';
import { type DifficultyWeights, scoreDifficulty } from './difficulty.js';
import type { StructuralContext } from './features.js';
import { DEFAULT_FOLD, type DifficultyFold, foldScore } from './fold.js';
import { DEFAULT_TEXT_BOUNDS, type TextBounds, boundText, viewConversation } from './text.js';
import type { GateDecision, GateInput } from './types.js';

/**
 * The part every gate shares: read the conversation, score the last user turn, then apply the few
 * conversation-level rules a single-turn scorer cannot know about ("go on" after a hard exchange, "thanks").
 */

export interface TurnScore {
  score: number;
  reasons: string[];
}

export type TurnScorer = (text: string, context: StructuralContext) => TurnScore;

/** A fixed threshold or a live one (the online controller's `effectiveThreshold`). */
export type ThresholdSource = number | (() => number);

export interface DecideOptions {
  threshold: ThresholdSource;
  bounds?: TextBounds | undefined;
  /** Difficulty weights (default: the shipped ones); `false` turns difficulty and the fold off (score = need). */
  difficulty?: DifficultyWeights | false | undefined;
  fold?: DifficultyFold | undefined;
  /** Two stages for long turns (see decide); absent: every turn is read whole (up to `bounds`). */
  firstStage?: FirstStage | undefined;
}

/** A window over long turns, and how far (in logits) from the threshold its need must be to decide. */
export interface FirstStage {
  bounds: TextBounds;
  margin: number;
}

/**
 * The shipped first stage: 384 + 128 characters, decided when the need is at least one logit from the threshold's.
 * With the shipped model on dev.jsonl it decides 97 % of prompts (89 % are shorter than the window and are read
 * whole) and routes none of the long ones differently from a full read (docs/gate.md).
 */
export const DEFAULT_FIRST_STAGE: FirstStage = { bounds: { headChars: 384, tailChars: 128 }, margin: 1 };

function logit(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
}

/** Difficulty band named in `reasons`, e.g. "difficulty_high". */
export function difficultyBand(difficulty: number): 'difficulty_low' | 'difficulty_medium' | 'difficulty_high' {
  return difficulty >= 0.65 ? 'difficulty_high' : difficulty < 0.35 ? 'difficulty_low' : 'difficulty_medium';
}

const SHORT_TURN_CHARS = 60;
/** Continuation requests: they inherit the difficulty of what they continue. */
const FOLLOW_UP =
  /^\s*(?:yes|yeah|yep|sure|ok(?:ay)?,?\s*(?:go on|continue|next|and)|go on|go ahead|continue|keep going|carry on|and then|then what|what next|next step|why\b|how so|how come|explain (?:more|further|that|why)|more detail|elaborate|what about|but why|are you sure|show (?:me )?(?:the )?(?:steps|work)|继续|接着|然后呢|然后|为什么|为啥|怎么说|还有呢|再详细|详细(?:说|讲|点)|展开|下一步|是的|对的?|好的?[，,]?\s*继续|那(?:呢|如果)|你确定|步骤呢|证明一下)/i;
/** Closings and thanks: nothing left to think about. */
const CLOSING =
  /^\s*(?:(?:ok(?:ay)?|great|perfect|cool|nice|awesome|got it|好的|好)[\s,，!！.。]*)?(?:thanks?(?: you)?|thx|ty|many thanks|great|cool|perfect|awesome|nice|got it|ok(?:ay)?|bye|good ?bye|cheers|谢谢|多谢|感谢|非常感谢|好的|明白了?|知道了|懂了|再见|太棒了?|辛苦了?|收到)(?:\s*(?:so much|a lot|very much|again|a bunch|for (?:the|your) help|你|您|啦|了|哈))*[\s!！.。~～,，]*(?:谢谢|thanks?)?[\s!！.。~～]*$/i;

export function resolveThreshold(threshold: ThresholdSource): number {
  const value = typeof threshold === 'function' ? threshold() : threshold;
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0.5;
}

function clamp01(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

export function decide(scoreTurn: TurnScorer, input: GateInput, options: DecideOptions): GateDecision {
  const threshold = resolveThreshold(options.threshold);
  const view = viewConversation(input, options.bounds ?? DEFAULT_TEXT_BOUNDS);
  const text = view.lastUserText;
  const trimmed = text.trim();
  const context: StructuralContext = { chars: view.lastUserChars, userTurns: view.userTurns, hasSystem: view.hasSystem, hasTools: view.hasTools };
  if (trimmed.length === 0) return { score: 0, route: 'direct', reasons: ['empty_prompt'], need: 0, difficulty: 0, stage: 1 };

  // First stage: a long turn is read through a window (its head, where the instruction sits, and its tail, where the
  // question sits); only when that leaves the need close to the threshold is the whole bounded turn read.
  const first = options.firstStage;
  let scored = text;
  let stage: 1 | 2 = 1;
  let own: TurnScore;
  if (first !== undefined && text.length > first.bounds.headChars + first.bounds.tailChars) {
    const window = boundText(text, first.bounds);
    own = scoreTurn(window, context);
    if (Math.abs(logit(own.score) - logit(threshold)) < first.margin) {
      own = scoreTurn(text, context);
      stage = 2;
    } else scored = window;
  } else own = scoreTurn(text, context);
  let score = clamp01(own.score);
  const reasons = [...own.reasons];
  const short = trimmed.length <= SHORT_TURN_CHARS;
  const weights = options.difficulty;
  let difficulty = weights === false ? 0 : scoreDifficulty(scored, view.lastUserChars, weights);

  if (short && view.userTurns > 1 && FOLLOW_UP.test(trimmed)) {
    const previousContext: StructuralContext = { ...context, chars: view.previousUserText.length, userTurns: view.userTurns - 1 };
    const previous = view.previousUserText.trim() ? clamp01(scoreTurn(view.previousUserText, previousContext).score) : 0;
    if (view.previousAssistantReasoned || previous >= threshold) {
      // Stay on the model that holds the line of thought: bouncing to a direct model mid-derivation loses it.
      score = Math.max(score, previous, threshold + (1 - threshold) * 0.1);
      // "Go on" is as hard as what it continues.
      if (weights !== false) difficulty = Math.max(difficulty, scoreDifficulty(view.previousUserText, view.previousUserText.length, weights));
      reasons.unshift('followup_after_reasoning');
    } else {
      reasons.unshift('followup_after_direct');
    }
  } else if (short && CLOSING.test(trimmed)) {
    score = Math.min(score, threshold * 0.5);
    reasons.unshift('closing_thanks');
  } else if (isTrivialArithmetic(trimmed)) {
    score = Math.min(score, threshold * 0.5);
    reasons.unshift('trivial_arithmetic');
  }
  const route = score >= threshold ? 'reasoning' : 'direct';
  // The first five distinct reasons, in order (a loop: no Set and two arrays per request).
  const kept: string[] = [];
  for (const reason of reasons) if (kept.length < 5 && !kept.includes(reason)) kept.push(reason);
  if (weights === false) return { score, route, reasons: kept, need: score, difficulty, stage };
  kept.push(difficultyBand(difficulty));
  return { score: foldScore(score, difficulty, threshold, options.fold ?? DEFAULT_FOLD), route, reasons: kept, need: score, difficulty, stage };
}
