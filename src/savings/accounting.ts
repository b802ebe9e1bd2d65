import type { RequestRecord } from '../core/record.js';
import type { ExpansionModel } from './expansion.js';
import { costNano, tokenCounts, type PriceBook, type TokenCounts } from './prices.js';

/**
 * Usage → cost, and the counterfactual "what if every request had gone to the reasoning upstream". Pure: the
 * ledger, the metrics and the log line all read the one `Accounting` computed here per request.
 *
 * - A completed direct answer: the counterfactual is the same prompt at reasoning prices plus its answer tokens
 *   times the learned expansion factor (reasoning + answer over answer), at reasoning prices.
 * - A cache hit: nothing was spent upstream; the counterfactual is the whole call it replaced (its stored usage if
 *   it was a reasoning answer, the expanded figure if it was a direct one).
 * - A completed reasoning answer *is* the always-reasoning call: no saving, and a sample the factor learns from.
 * - A failed, aborted or fallback request counts what it cost and saves nothing.
 */

export interface Counterfactual {
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  costNano: number;
  latencyMs: number;
  expansionFactor: number;
  /** False while the factor is the configured prior (too few reasoning samples in this prompt-length band). */
  learned: boolean;
}

export interface Accounting {
  /** Tokens of the answer (for a cache hit: of the stored answer). */
  tokens: TokenCounts;
  /** Tokens spent upstream by this request (zero for a cache hit). */
  upstreamTokens: TokenCounts;
  /** True when `tokens` were counted by the gateway's tokenizer because the upstream reported no usage. */
  usageEstimated: boolean;
  /** Whether the upstream model has a price; an unpriced model costs 0 and is flagged. */
  priced: boolean;
  costNano: number;
  /** Null when the request itself was the always-reasoning call, or saved nothing by rule (failure, fallback). */
  counterfactual: Counterfactual | null;
  savedCostNano: number;
  savedTokens: number;
  savedReasoningTokens: number;
  savedLatencyMs: number;
}

export interface AccountingDeps {
  prices: PriceBook;
  expansion: ExpansionModel;
  /** Model of the reasoning upstream: what every request would have used under always-reasoning. */
  reasoningModel: string;
}

const ZERO: TokenCounts = { prompt: 0, cachedPrompt: 0, completion: 0, reasoning: 0 };

export function accountRequest(record: RequestRecord, deps: AccountingDeps): Accounting {
  const tokens = record.usage === null ? ZERO : tokenCounts(record.usage);
  const usageEstimated = record.usage !== null && record.usageEstimated === true;
  const hit = record.cache === 'hit';
  const upstreamTokens = hit ? ZERO : tokens;
  const price = deps.prices.priceOf(record.upstreamModel);
  const cost = hit ? 0 : costNano(upstreamTokens, price);
  // perf: every Accounting is this one literal, filled in below rather than spread into a new object, so the
  // observers that read it (ledger, metrics, log line) see one object shape for hits, misses and failures.
  const accounting: Accounting = {
    tokens,
    upstreamTokens,
    usageEstimated,
    priced: price !== null,
    costNano: cost,
    counterfactual: null,
    savedCostNano: 0,
    savedTokens: 0,
    savedReasoningTokens: 0,
    savedLatencyMs: 0,
  };
  if (record.outcome !== 'completed' || record.fallback === true || record.usage === null) return accounting;
  if (record.route === 'reasoning' && !hit) return accounting;

  const cf = counterfactualOf(tokens, record.route === 'reasoning', deps);
  const spentTotal = upstreamTokens.prompt + upstreamTokens.completion;
  accounting.counterfactual = cf;
  accounting.savedCostNano = cf.costNano - cost;
  accounting.savedTokens = cf.promptTokens + cf.completionTokens - spentTotal;
  accounting.savedReasoningTokens = cf.reasoningTokens - upstreamTokens.reasoning;
  accounting.savedLatencyMs = Math.round(cf.latencyMs - record.latencyMs);
  return accounting;
}

/** `alreadyReasoned`: the tokens came from a reasoning answer (a cached one), so they need no expansion. */
function counterfactualOf(tokens: TokenCounts, alreadyReasoned: boolean, deps: AccountingDeps): Counterfactual {
  const estimate = deps.expansion.estimate(tokens.prompt);
  const factor = alreadyReasoned ? 1 : estimate.factor;
  const answer = tokens.completion - tokens.reasoning;
  const reasoning = alreadyReasoned ? tokens.reasoning : tokens.reasoning + Math.round(answer * (factor - 1));
  const cfTokens: TokenCounts = { prompt: tokens.prompt, cachedPrompt: tokens.cachedPrompt, completion: answer + reasoning, reasoning };
  return {
    promptTokens: cfTokens.prompt,
    completionTokens: cfTokens.completion,
    reasoningTokens: cfTokens.reasoning,
    costNano: costNano(cfTokens, deps.prices.priceOf(deps.reasoningModel)),
    latencyMs: Math.round(cfTokens.completion * estimate.msPerToken),
    expansionFactor: factor,
    learned: alreadyReasoned || estimate.learned,
  };
}

/** Feeds the expansion model: only measured, completed, fresh reasoning calls teach it. */
export function learnFrom(record: RequestRecord, accounting: Accounting, expansion: ExpansionModel): void {
  if (record.route !== 'reasoning' || record.cache === 'hit' || record.outcome !== 'completed') return;
  if (accounting.usageEstimated || record.usage === null || record.fallback === true) return;
  expansion.observe(accounting.tokens, record.latencyMs);
}
