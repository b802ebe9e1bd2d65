import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/core/record.js';
import type { Usage } from '../../src/core/types.js';
import { accountRequest, learnFrom } from '../../src/savings/accounting.js';
import { aggregate } from '../../src/savings/aggregate.js';
import { incrementsOf, addInto, fieldIncrements } from '../../src/savings/cells.js';
import { ExpansionModel } from '../../src/savings/expansion.js';
import { PriceBook, costNano, tokenCounts } from '../../src/savings/prices.js';
import { estimateUsage } from '../../src/savings/tokens.js';

/** Test prices: direct d = 1 in / 2 out, reasoning r = 4 in / 8 out ($ per million tokens). */
const prices = new PriceBook({ d: { input: 1, output: 2 }, r: { input: 4, output: 8, cachedInput: 1 } });
const newExpansion = (minSamples = 3): ExpansionModel => new ExpansionModel({ prior: 4, latencyPriorMsPerToken: 20, minSamples, bands: [1000] });
const usage = (prompt: number, completion: number, reasoning = 0, cached = 0): Usage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  completion_tokens_details: { reasoning_tokens: reasoning },
  prompt_tokens_details: { cached_tokens: cached },
});

function record(over: Partial<RequestRecord>): RequestRecord {
  return {
    requestId: 'req-1', tenant: 'anonymous', api: 'chat', route: 'direct', decisionSource: 'gate', score: 0.2, reasons: ['length'],
    upstreamModel: 'd', requestedModel: 'auto', stream: false, cache: 'bypass', status: 200, outcome: 'completed',
    errorCode: null, usage: usage(100, 50), startedAt: 0, ttfbMs: 100, latencyMs: 1000, fallback: false, ...over,
  };
}

describe('prices and cost', () => {
  it('prices prompt, cached prompt, answer and reasoning tokens separately, in nano-USD', () => {
    // r: 60 uncached × 4 + 40 cached × 1 + 30 answer × 8 + 70 reasoning × 8 (reasoning defaults to output) = 1080 $/M·tok
    expect(costNano(tokenCounts(usage(100, 100, 70, 40)), prices.priceOf('r'))).toBe(1_080_000);
    expect(costNano(tokenCounts(usage(100, 100)), null)).toBe(0);
  });

  it('resolves exact names before prefixes, longest prefix first, and configured prices over defaults', () => {
    expect(prices.priceOf('gpt-5-mini-2025-08-07')).toEqual({ input: 0.25, cachedInput: 0.025, output: 2 });
    expect(prices.priceOf('gpt-5-2025-08-07')?.input).toBe(1.25);
    expect(prices.priceOf('o3')?.output).toBe(8);
    expect(prices.priceOf('unknown-model')).toBeNull();
    expect(new PriceBook({ 'gpt-4o': { input: 1, output: 1 } }).priceOf('gpt-4o')).toEqual({ input: 1, output: 1 });
  });

  it('ignores negative, fractional and missing usage fields', () => {
    expect(tokenCounts({ prompt_tokens: -5, completion_tokens: 10.4, total_tokens: 0 })).toEqual({ prompt: 0, cachedPrompt: 0, completion: 10, reasoning: 0 });
  });
});

describe('counterfactual', () => {
  const deps = { prices, expansion: newExpansion(), reasoningModel: 'r' };

  it('a direct answer: prompt at reasoning prices + answer × prior expansion factor', () => {
    const a = accountRequest(record({}), deps);
    // actual: 100×1 + 50×2 = 200 → 200 000 nano. cf: 150 reasoning tokens, 200 completion → 100×4 + 200×8 = 2000.
    expect(a.costNano).toBe(200_000);
    expect(a.counterfactual).toMatchObject({ promptTokens: 100, completionTokens: 200, reasoningTokens: 150, costNano: 2_000_000, expansionFactor: 4, learned: false, latencyMs: 4000 });
    expect(a.savedCostNano).toBe(1_800_000);
    expect(a.savedTokens).toBe(150);
    expect(a.savedReasoningTokens).toBe(150);
    expect(a.savedLatencyMs).toBe(3000);
  });

  it('a reasoning answer saves nothing and costs what it cost', () => {
    const a = accountRequest(record({ route: 'reasoning', upstreamModel: 'r', usage: usage(100, 200, 150) }), deps);
    expect(a.costNano).toBe(2_000_000);
    expect(a.counterfactual).toBeNull();
    expect([a.savedCostNano, a.savedTokens, a.savedReasoningTokens]).toEqual([0, 0, 0]);
  });

  it('a cache hit costs nothing and saves the whole call (expanded for a direct answer, as stored for a reasoning one)', () => {
    const direct = accountRequest(record({ cache: 'hit' }), deps);
    expect([direct.costNano, direct.savedCostNano, direct.savedTokens, direct.savedReasoningTokens]).toEqual([0, 2_000_000, 300, 150]);
    expect(direct.upstreamTokens).toEqual({ prompt: 0, cachedPrompt: 0, completion: 0, reasoning: 0 });
    const reasoning = accountRequest(record({ cache: 'hit', route: 'reasoning', upstreamModel: 'r', usage: usage(100, 200, 150) }), deps);
    expect([reasoning.costNano, reasoning.savedCostNano, reasoning.savedTokens, reasoning.savedReasoningTokens]).toEqual([0, 2_000_000, 300, 150]);
  });

  it('failed, aborted and fallback requests count their cost and save nothing', () => {
    for (const over of [
      { outcome: 'error' as const, status: 502 },
      { outcome: 'aborted' as const, status: 499 },
      { fallback: true },
    ]) {
      const a = accountRequest(record(over), deps);
      expect(a.costNano).toBe(200_000);
      expect([a.savedCostNano, a.savedTokens, a.counterfactual]).toEqual([0, 0, null]);
    }
    const noUsage = accountRequest(record({ outcome: 'error', status: 502, usage: null }), deps);
    expect([noUsage.costNano, noUsage.savedCostNano]).toEqual([0, 0]);
  });

  it('an unpriced model costs 0, is flagged, and still saves tokens', () => {
    const a = accountRequest(record({ upstreamModel: 'mystery' }), deps);
    expect([a.priced, a.costNano, a.savedTokens]).toEqual([false, 0, 150]);
  });
});

describe('learned expansion factor', () => {
  it('uses the prior until a band has minSamples measured reasoning calls, then the ratio of sums', () => {
    const expansion = newExpansion(3);
    const deps = { prices, expansion, reasoningModel: 'r' };
    const teach = (u: Usage, over: Partial<RequestRecord> = {}): void => {
      const r = record({ route: 'reasoning', upstreamModel: 'r', usage: u, latencyMs: 2000, ...over });
      learnFrom(r, accountRequest(r, deps), expansion);
    };
    teach(usage(100, 300, 200)); // 300 / 100
    teach(usage(100, 300, 200), { usageEstimated: true }); // estimated: ignored
    teach(usage(100, 300, 200), { cache: 'hit' }); // a replay: ignored
    teach(usage(100, 300, 200), { outcome: 'error' }); // failed: ignored
    teach(usage(2000, 500, 400)); // other band
    expect(expansion.estimate(100)).toMatchObject({ factor: 4, learned: false, samples: 1, band: '0-999' });
    teach(usage(100, 200, 100)); // 200 / 100
    teach(usage(100, 100, 0)); // no reasoning reported: teaches nothing
    teach(usage(100, 500, 400)); // 500 / 100
    // Σ completion / Σ answer = (300 + 200 + 500) / (100 + 100 + 100) = 3.333…; latency 6000 ms / 1000 tokens.
    const est = expansion.estimate(500);
    expect(est).toMatchObject({ learned: true, samples: 3, band: '0-999', msPerToken: 6 });
    expect(est.factor).toBeCloseTo(10 / 3, 12);
    expect(expansion.estimate(1000)).toMatchObject({ factor: 4, learned: false, samples: 1, band: '1000+' });
    // A direct answer of 30 tokens now costs round(30 × 2.333…) = 70 reasoning tokens under the counterfactual.
    expect(accountRequest(record({ usage: usage(100, 30) }), deps).counterfactual?.reasoningTokens).toBe(70);
  });
});

describe('ledger cells and totals', () => {
  it('adds up per route, tenant and model, with tenant filtering and latency percentiles', () => {
    const deps = { prices, expansion: newExpansion(), reasoningModel: 'r' };
    const fields = new Map<string, number>();
    const add = (over: Partial<RequestRecord>): void => {
      const r = record(over);
      addInto(fields, fieldIncrements(incrementsOf(r, accountRequest(r, deps))));
    };
    add({ tenant: 't_a', latencyMs: 90 });
    add({ tenant: 't_a', cache: 'hit', latencyMs: 3 });
    add({ tenant: 't_b', route: 'reasoning', upstreamModel: 'r', usage: usage(100, 200, 150), latencyMs: 5000 });
    add({ tenant: 't_b', outcome: 'error', status: 502, usage: null, latencyMs: 20 });
    const all = aggregate(fields);
    expect(all.totals).toMatchObject({
      requests: 4, errors: 1, cacheHits: 1, cacheHitRate: 0.25,
      tokens: { prompt: 200, completion: 250, reasoning: 150, total: 450 },
      costUsd: 0.0022, savedCostUsd: 0.0038, alwaysReasoningCostUsd: 0.006, savedTokens: 450, savedReasoningTokens: 300,
      latencyMs: { mean: 1278.3, p50: 25, p90: 6000, p99: 6000 },
    });
    expect(Object.keys(all.byRoute)).toEqual(['direct', 'reasoning']);
    expect(all.byRoute.direct?.requests).toBe(3);
    expect(all.byModel.r?.costUsd).toBe(0.002);
    const a = aggregate(fields, 't_a');
    expect(a.totals).toMatchObject({ requests: 2, costUsd: 0.0002, savedCostUsd: 0.0038 });
    expect(Object.keys(a.byTenant)).toEqual(['t_a']);
  });
});

describe('token estimation for answers without usage', () => {
  it('counts prompt, answer and reasoning with the tokenizer', async () => {
    const u = await estimateUsage([{ role: 'user', content: 'hello world' }], {
      id: 'x', object: 'chat.completion', created: 0, model: 'm',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'hi there', reasoning_content: 'think think' } }],
    });
    // o200k_base: "hello world" = 2, "hi there" = 2, "think think" = 2; chat overhead 3 per message + 3.
    expect(u).toMatchObject({ prompt_tokens: 8, completion_tokens: 4, completion_tokens_details: { reasoning_tokens: 2 } });
  });
});
