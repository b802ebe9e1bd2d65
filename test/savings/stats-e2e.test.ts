import { Writable } from 'node:stream';
import { countTokens } from 'gpt-tokenizer';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACT_PATHS } from '../../src/app.js';
import { tenantOf } from '../../src/http/auth.js';
import type { StatsBody } from '../../src/routes/stats.js';
import { startGateway, type TestGateway, REASONING_KEY, DIRECT_KEY } from '../support/gateway.js';

/**
 * A known mix of six requests through the fake upstreams, then `/v1/stats`, `/metrics` and the log lines checked
 * against numbers worked out by hand. Prices: fake-chat 1 in / 2 out, fake-reasoner 4 in / 8 out ($/M tokens);
 * expansion prior 4 (never learned here: minSamples 100).
 */
const KEY_A = 'sk-client-a-secret';
const KEY_B = 'sk-client-b-secret';
const ADMIN = 'sk-admin-secret';
const A = tenantOf(KEY_A);
const B = tenantOf(KEY_B);

const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
  JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] });
const estPrompt = (text: string): number => 3 + 3 + countTokens(text);

describe('savings end to end: /v1/stats, /metrics and log lines', () => {
  let gw: TestGateway;
  const lines: Record<string, unknown>[] = [];
  let rawLog = '';

  beforeAll(async () => {
    const sink = new Writable({
      write(buf: Buffer, _enc, done) {
        rawLog += buf.toString();
        for (const l of buf.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    const logger = pino({ level: 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
    gw = await startGateway(
      () => ({
        auth: { apiKeys: [KEY_A, KEY_B], adminKeys: [ADMIN] },
        pricing: { 'fake-chat': { input: 1, output: 2 }, 'fake-reasoner': { input: 4, output: 8 } },
        savings: { expansionPrior: 4, minSamples: 100 },
      }),
      { logger },
    );
    const post = (key: string, body: Record<string, unknown>): Promise<Response> =>
      fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    // 1. A, direct, JSON: usage 10/20/0.
    await gw.client(KEY_A).chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'one' }] });
    // 2. A, reasoning, JSON: usage 10/20 with 12 reasoning.
    await gw.client(KEY_A).chat.completions.create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'two' }] });
    // 3. B, direct, stream with usage.
    const s3 = await gw.client(KEY_B).chat.completions.create({ model: 'thinkgate-direct', stream: true, messages: [{ role: 'user', content: 'three' }] });
    for await (const _ of s3) { /* drain */ }
    // 4. B, direct, stream whose upstream sends no usage: counted by the tokenizer.
    gw.direct.scenario = () => ({ kind: 'sse', events: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'hello there' }), chunk({}, 'stop'), '[DONE]'] });
    const s4 = await gw.client(KEY_B).chat.completions.create({ model: 'thinkgate-direct', stream: true, messages: [{ role: 'user', content: 'count me' }] });
    for await (const _ of s4) { /* drain */ }
    // 5. A, direct, upstream 500: no usage, no cost.
    gw.direct.scenario = () => ({ kind: 'status', status: 500 });
    expect((await post(KEY_A, { model: 'thinkgate-direct', messages: [{ role: 'user', content: 'five' }] })).status).toBe(500);
    // 6. B, reasoning stream cut mid-answer: partial tokens estimated and charged, nothing saved.
    gw.reasoning.scenario = () => ({ kind: 'sse', cut: true, chunkDelayMs: 20, events: [chunk({ role: 'assistant', content: '' }), chunk({ reasoning_content: 'Let me think' }), chunk({ content: 'partial' })] });
    const r6 = await post(KEY_B, { model: 'thinkgate-reasoning', stream: true, messages: [{ role: 'user', content: 'six' }] });
    expect(await r6.text()).toMatch(/"code":"upstream_[a-z_]+"/); // cut or unreachable, depending on where the socket broke
  });
  afterAll(() => gw.close());

  // Expected nano-USD per request.
  const est4 = { prompt: estPrompt('count me'), completion: countTokens('hello there') };
  const est6 = { prompt: estPrompt('six'), answer: countTokens('partial'), reasoning: countTokens('Let me think') };
  const cost = {
    r1: (10 * 1 + 20 * 2) * 1000, // 50 000
    r2: (10 * 4 + 20 * 8) * 1000, // 200 000
    r3: 50_000,
    r4: (est4.prompt * 1 + est4.completion * 2) * 1000,
    r5: 0,
    r6: (est6.prompt * 4 + (est6.answer + est6.reasoning) * 8) * 1000,
  };
  // Direct answers: cf = prompt × 4 + answer × 4 (factor) × 8 at reasoning prices.
  const cf = { r1: (10 * 4 + 80 * 8) * 1000, r4: (est4.prompt * 4 + est4.completion * 4 * 8) * 1000 };
  const saved = { r1: cf.r1 - cost.r1, r3: cf.r1 - cost.r3, r4: cf.r4 - cost.r4 };
  const usd = (nano: number): number => nano / 1e9;

  it('admin sees every tenant, with exact totals', async () => {
    const res = await fetch(`${gw.url}/v1/stats`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(200);
    const s = (await res.json()) as StatsBody;
    expect(s.scope).toEqual({ tenant: 'all', store: 'memory', fleet: false });
    const totalCost = cost.r1 + cost.r2 + cost.r3 + cost.r4 + cost.r6;
    const totalSaved = saved.r1 + saved.r3 + saved.r4;
    expect(s.totals).toMatchObject({
      requests: 6, errors: 2, cacheHits: 0, usageEstimatedRequests: 2,
      tokens: {
        prompt: 10 + 10 + 10 + est4.prompt + est6.prompt,
        completion: 20 + 20 + 20 + est4.completion + est6.answer + est6.reasoning,
        reasoning: 12 + est6.reasoning,
      },
      costUsd: usd(totalCost),
      savedCostUsd: usd(totalSaved),
      alwaysReasoningCostUsd: usd(totalCost + totalSaved),
      savedTokens: 60 + 60 + est4.completion * 3,
      savedReasoningTokens: 60 + 60 + est4.completion * 3,
    });
    expect(s.routes).toEqual({ direct: 4, reasoning: 2 });
    expect(s.byTenant[A]).toMatchObject({ requests: 3, errors: 1, costUsd: usd(cost.r1 + cost.r2) });
    expect(s.byTenant[B]).toMatchObject({ requests: 3, errors: 1, costUsd: usd(cost.r3 + cost.r4 + cost.r6) });
    expect(s.byModel['fake-reasoner']).toMatchObject({ requests: 2, costUsd: usd(cost.r2 + cost.r6), savedCostUsd: 0 });
    expect(s.windows.hour?.totals.requests).toBe(6);
    expect(s.windows.day?.totals.costUsd).toBe(usd(totalCost));
    expect(s.recent).toHaveLength(6);
    expect(s.recent[0]).toMatchObject({ tenant: B, route: 'reasoning', status: 502, usageEstimated: true, savedCostUsd: 0 });
    expect(s.estimates.fields).toContain('savedCostUsd');
  });

  it('a client key sees only its own tenant', async () => {
    const s = (await (await fetch(`${gw.url}/v1/stats`, { headers: { authorization: `Bearer ${KEY_A}` } })).json()) as StatsBody;
    expect(s.scope.tenant).toBe(A);
    expect(s.totals).toMatchObject({ requests: 3, errors: 1, costUsd: usd(cost.r1 + cost.r2), savedCostUsd: usd(saved.r1) });
    expect(Object.keys(s.byTenant)).toEqual([A]);
    expect(s.recent.map((r) => r.tenant)).toEqual([A, A, A]);
    expect((await fetch(`${gw.url}/v1/stats`)).status).toBe(401);
  });

  it('/metrics takes the admin key and counts the same requests', async () => {
    expect((await fetch(`${gw.url}/metrics`)).status).toBe(401);
    const forbidden = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${KEY_A}` } });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: { code: string } }).error.code).toBe('admin_key_required');
    const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const value = (series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? NaN : Number(line.slice(series.length + 1));
    };
    expect(value('thinkgate_requests_total{route="direct",status="200",cache="bypass",api="chat"}')).toBe(3);
    expect(value('thinkgate_requests_total{route="direct",status="500",cache="bypass",api="chat"}')).toBe(1);
    expect(value('thinkgate_requests_total{route="reasoning",status="502",cache="bypass",api="chat"}')).toBe(1);
    expect(value('thinkgate_tokens_total{route="reasoning",model="fake-reasoner",type="reasoning"}')).toBe(12 + est6.reasoning);
    expect(value('thinkgate_cost_usd_total{route="reasoning",model="fake-reasoner"}')).toBeCloseTo(usd(cost.r2 + cost.r6), 12);
    expect(value('thinkgate_saved_cost_usd_total{route="direct"}')).toBeCloseTo(usd(saved.r1 + saved.r3 + saved.r4), 12);
    expect(value('thinkgate_usage_estimated_total')).toBe(2);
    expect(value('thinkgate_gate_score_count{route="direct"}')).toBe(4);
    expect(value('thinkgate_gate_threshold')).toBe(0.35);
    expect(value('thinkgate_requests_in_flight')).toBe(0);
    expect(value('thinkgate_upstream_latency_seconds_count{route="direct",model="fake-chat"}')).toBe(4);
    gw.app.thinkgate.savings.metrics.watchThreshold(() => 0.62);
    const after = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
    expect(after).toContain('thinkgate_gate_threshold 0.62');
  });

  it('writes one log line per request with cost and savings, and no keys or prompts', () => {
    const chat = lines.filter((l) => l.msg === 'chat request');
    expect(chat).toHaveLength(6);
    expect(chat[0]).toMatchObject({
      level: 30, tenant: A, route: 'direct', model: 'fake-chat', cache: 'bypass', status: 200, promptTokens: 10, completionTokens: 20,
      reasoningTokens: 0, usageEstimated: false, costUsd: usd(cost.r1), counterfactualCostUsd: usd(cf.r1), savedTokens: 60, savedCostUsd: usd(saved.r1), savingsEstimated: true,
    });
    expect(chat[0]?.requestId).toEqual(expect.any(String));
    expect(chat[0]?.latencyMs).toEqual(expect.any(Number));
    expect(chat[1]).toMatchObject({ route: 'reasoning', reasoningTokens: 12, costUsd: usd(cost.r2), counterfactualCostUsd: null, savedCostUsd: 0, savingsEstimated: false });
    expect(chat[3]).toMatchObject({ tenant: B, usageEstimated: true, promptTokens: est4.prompt, completionTokens: est4.completion, costUsd: usd(cost.r4), savedCostUsd: usd(saved.r4) });
    expect(chat[4]).toMatchObject({ status: 500, outcome: 'error', promptTokens: null, costUsd: 0, savedCostUsd: 0 });
    expect(chat[5]).toMatchObject({ status: 502, outcome: 'error', errorCode: expect.stringMatching(/^upstream_/), usageEstimated: true, costUsd: usd(cost.r6), savedCostUsd: 0 });
    for (const secret of [KEY_A, KEY_B, ADMIN, REASONING_KEY, DIRECT_KEY, 'count me']) expect(rawLog).not.toContain(secret);
    expect(chat.every((l) => !('prompt' in l))).toBe(true);
  });
});

describe('/metrics without admin keys, and metrics.public', () => {
  it('is open when no admin key is configured, or when metrics.public is set', async () => {
    const open = await startGateway();
    const pub = await startGateway(() => ({ auth: { adminKeys: [ADMIN] }, metrics: { public: true } }));
    try {
      expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
      expect((await fetch(`${pub.url}/metrics`)).status).toBe(200);
      // Two apps in one process: each has its own registry, so neither sees the other's requests.
      await open.client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'x' }] });
      expect(await (await fetch(`${pub.url}/metrics`)).text()).not.toContain('thinkgate_requests_total{');
    } finally {
      await Promise.all([open.close(), pub.close()]);
    }
  });
});
