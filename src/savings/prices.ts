import type { ModelPrice } from '../config/schema.js';
import type { Usage } from '../core/types.js';

/**
 * Built-in list prices in USD per million tokens, as published by the providers in late 2025. They are defaults
 * for a first look, not a quote: set `pricing` in the configuration to your contract prices. Keys ending in `*`
 * match any model name with that prefix; an exact name always wins over a prefix, a longer prefix over a shorter.
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  // DeepSeek V4 Flash (both thinking modes bill alike; `cachedInput` is the context-cache hit price); its names
  // since DeepSeek retired deepseek-chat and deepseek-reasoner on 2026-07-24, which are kept for old ledgers.
  'deepseek-flash': { input: 0.14, cachedInput: 0.0028, output: 0.28 },
  'deepseek-v4-flash': { input: 0.14, cachedInput: 0.0028, output: 0.28 },
  'deepseek-chat': { input: 0.28, cachedInput: 0.028, output: 0.42 },
  'deepseek-reasoner': { input: 0.28, cachedInput: 0.028, output: 0.42 },
  'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
  o1: { input: 15, cachedInput: 7.5, output: 60 },
  o3: { input: 2, cachedInput: 0.5, output: 8 },
  'o3-mini': { input: 1.1, cachedInput: 0.55, output: 4.4 },
  'o4-mini': { input: 1.1, cachedInput: 0.275, output: 4.4 },
  'gpt-5*': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5-mini*': { input: 0.25, cachedInput: 0.025, output: 2 },
  'gpt-5-nano*': { input: 0.05, cachedInput: 0.005, output: 0.4 },
  // Qwen3 on hosted APIs varies by size and host; this is a mid-size hosted price. Self-hosted: set your own.
  'qwen3*': { input: 0.2, output: 0.6 },
  // The embedded demo upstreams, priced like a typical R1-style reasoner and a chat model so the demo shows a split.
  'demo-reasoner': { input: 0.55, cachedInput: 0.14, output: 2.19 },
  'demo-chat': { input: 0.27, cachedInput: 0.07, output: 1.1 },
};

/** Resolved prices: defaults with the configured entries over them. Lookups are memoised per model name. */
export class PriceBook {
  private readonly exact = new Map<string, ModelPrice>();
  /** Longest prefix first, so `gpt-5-mini*` wins over `gpt-5*`. */
  private readonly prefixes: [string, ModelPrice][];
  private readonly resolved = new Map<string, ModelPrice | null>();

  constructor(configured: Readonly<Record<string, ModelPrice>> = {}) {
    const all: Record<string, ModelPrice> = { ...DEFAULT_PRICES, ...configured };
    const prefixes: [string, ModelPrice][] = [];
    for (const [name, price] of Object.entries(all)) {
      if (name.endsWith('*')) prefixes.push([name.slice(0, -1), price]);
      else this.exact.set(name, price);
    }
    this.prefixes = prefixes.sort((a, b) => b[0].length - a[0].length);
  }

  /** The price of `model`, or null when neither an exact name nor a prefix matches (cost then counts as 0). */
  priceOf(model: string): ModelPrice | null {
    const known = this.resolved.get(model);
    if (known !== undefined) return known;
    let price = this.exact.get(model) ?? null;
    if (price === null) price = this.prefixes.find(([prefix]) => model.startsWith(prefix))?.[1] ?? null;
    // Bounded: model names come from configuration and upstream answers, a handful per deployment.
    if (this.resolved.size < 1024) this.resolved.set(model, price);
    return price;
  }
}

/** Token counts in the shape the accounting works on (all non-negative integers). */
export interface TokenCounts {
  prompt: number;
  cachedPrompt: number;
  completion: number;
  /** Part of `completion` spent thinking (OpenAI convention: completion_tokens includes reasoning_tokens). */
  reasoning: number;
}

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : 0);

export function tokenCounts(usage: Usage): TokenCounts {
  const prompt = count(usage.prompt_tokens);
  const completion = count(usage.completion_tokens);
  return {
    prompt,
    cachedPrompt: Math.min(prompt, count(usage.prompt_tokens_details?.cached_tokens)),
    completion,
    reasoning: Math.min(completion, count(usage.completion_tokens_details?.reasoning_tokens)),
  };
}

/** One USD is 1e9 nano-USD. Ledgers add integers so that totals are exact and replicas add up in Redis. */
export const NANO_PER_USD = 1_000_000_000;
/** Price per million tokens → nano-USD per token is price × 1000. */
const NANO_PER_TOKEN_PER_USD_PER_M = NANO_PER_USD / 1_000_000;

/** Cost of `tokens` at `price`, in nano-USD (rounded once, per request). */
export function costNano(tokens: TokenCounts, price: ModelPrice | null): number {
  if (price === null) return 0;
  const uncached = tokens.prompt - tokens.cachedPrompt;
  const answer = tokens.completion - tokens.reasoning;
  const usdPerM =
    uncached * price.input +
    tokens.cachedPrompt * (price.cachedInput ?? price.input) +
    answer * price.output +
    tokens.reasoning * (price.reasoning ?? price.output);
  return Math.round(usdPerM * NANO_PER_TOKEN_PER_USD_PER_M);
}

export const nanoToUsd = (nano: number): number => nano / NANO_PER_USD;
