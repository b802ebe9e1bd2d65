import { CUES, CUE_INDEX, type CueCounts, DEMAND_CUES, cueCounts, isDirectTaskFrame, isPassageLookup } from './cues.js';
import { DEFAULT_FIRST_STAGE, decide, type FirstStage, type ThresholdSource, type TurnScore } from './decide.js';
import type { StructuralContext } from './features.js';
import type { TextBounds } from './text.js';
import type { Gate, GateDecision, GateInput } from './types.js';

/**
 * The transparent gate: hand-set weights over named cues, squashed by a logistic.
 * Every weight is here and every decision explains itself through the cue names in `reasons`.
 */

/** Weight per log1p(cue count). Positive = needs thinking, negative = a direct task. */
const CUE_WEIGHTS: Readonly<Record<string, number>> = {
  math_expression: 1.1,
  latex: 1.5,
  equation_variable: 1.0,
  code_syntax: 1.4,
  code_request: 2.2,
  proof: 2.6,
  unknown_to_find: 1.4,
  constraint_cue: 0.8,
  logic_cue: 1.3,
  multi_step: 0.9,
  options_mc: 0.5,
  numbers: 0.35,
  question_mark: 0,
  intent_translate: -2.6,
  intent_summarize: -2.6,
  intent_rewrite: -2.3,
  intent_explain_word: -1.8,
  intent_write: -1.8,
  chitchat: -1.3,
  service_cue: -1.1,
  factual_question: -0.9,
  intent_as_material: -2.6,
  intent_lookup: -2.0,
  intent_handle_material: -2.3,
  justify_request: 1.3,
  math_science_vocab: 0.9,
};
/** Set so that 0.5 favours recall: the targets ask ≥ 90 % reasoning recall but only ≥ 70 % direct kept. */
const BIAS = -0.9;
/** When the prompt is framed as translate/summarise/rewrite…, the hard material inside it is content, not the task. */
const FRAMED_DEMAND_FACTOR = 0.25;
const MULTIPLE_DEMANDS_BONUS = 0.8;
const SHORT_CHITCHAT_PENALTY = -1.0;
const SHORT_CHARS = 20;
const PASSAGE_LOOKUP_PENALTY = -1.0;
const REASON_MIN_CONTRIBUTION = 0.3;
const MAX_REASONS = 4;

const WEIGHTS = CUES.map((c) => CUE_WEIGHTS[c.name] ?? 0);
const DEMAND = new Set(DEMAND_CUES.map((name) => CUE_INDEX[name]));
const DEMAND_INDICES = [...DEMAND].filter((i): i is number => i !== undefined);
const IS_DEMAND = Uint8Array.from(CUES, (_, i) => (DEMAND.has(i) ? 1 : 0));
const NAMES = CUES.map((c) => c.name);
const OPTIONS_MC = CUE_INDEX['options_mc'];
const CHITCHAT = CUE_INDEX['chitchat'];
const NUMBERS = CUE_INDEX['numbers'];
const CHITCHAT_MAX_CHARS = 40;

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Signed contributions of the cues present, given their counts (CUES order) and the turn's length. */
export function heuristicContributions(counts: CueCounts, chars: number, passageLookup = false): Array<[string, number]> {
  // A lookup question over a passage frames the passage as material, like "translate this" does.
  const framed = isDirectTaskFrame(counts) || passageLookup;
  const contributions: Array<[string, number]> = [];
  let demandKinds = 0;
  let hasDemand = false;
  for (const i of DEMAND_INDICES) if ((counts[i] ?? 0) > 0) hasDemand = true;
  // Plain loops, no callbacks: this runs on every request.
  for (let i = 0; i < CUES.length; i++) {
    const count = counts[i] ?? 0;
    if (count === 0) continue;
    const isDemand = IS_DEMAND[i] === 1;
    if (isDemand && i !== OPTIONS_MC) demandKinds++;
    // "ok so…", "哈哈我跟同事打赌…": a greeting opening a longer message with a task in it is tone, not the task.
    if (i === CHITCHAT && chars > CHITCHAT_MAX_CHARS && hasDemand) continue;
    // Numbers in framed material are material too ("translate this problem: … 20 numbers …").
    const weight = (WEIGHTS[i] ?? 0) * ((isDemand || i === NUMBERS) && framed ? FRAMED_DEMAND_FACTOR : 1);
    contributions.push([NAMES[i] ?? '', weight * Math.log1p(count)]);
  }
  if (demandKinds >= 3 && !framed) contributions.push(['multiple_demands', MULTIPLE_DEMANDS_BONUS]);
  if (demandKinds === 0 && chars < SHORT_CHARS) contributions.push(['short_chitchat', SHORT_CHITCHAT_PENALTY]);
  if (passageLookup) contributions.push(['passage_lookup', PASSAGE_LOOKUP_PENALTY]);
  return contributions;
}

/** The heuristic's logit (before the logistic): also an input feature of the learned gate. */
export function heuristicLogit(contributions: ReadonlyArray<readonly [string, number]>): number {
  let sum = BIAS;
  for (const [, c] of contributions) sum += c;
  return sum;
}

export function scoreTurnHeuristically(text: string, context: StructuralContext): TurnScore {
  const contributions = heuristicContributions(cueCounts(text), Math.max(context.chars, text.trim().length), isPassageLookup(text));
  const reasons = contributions
    .filter(([, c]) => Math.abs(c) >= REASON_MIN_CONTRIBUTION)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))
    .slice(0, MAX_REASONS)
    .map(([name]) => name);
  return { score: sigmoid(heuristicLogit(contributions)), reasons: reasons.length > 0 ? reasons : ['no_strong_cue'] };
}

export interface HeuristicGateOptions {
  threshold: ThresholdSource;
  bounds?: TextBounds;
  /** Default DEFAULT_FIRST_STAGE; `null` reads every turn whole. */
  firstStage?: FirstStage | null;
}

export function createHeuristicGate(options: HeuristicGateOptions): Gate {
  return {
    name: 'heuristic',
    score(input: GateInput): GateDecision {
      return decide(scoreTurnHeuristically, input, { threshold: options.threshold, bounds: options.bounds, firstStage: options.firstStage === null ? undefined : (options.firstStage ?? DEFAULT_FIRST_STAGE) });
    },
  };
}
