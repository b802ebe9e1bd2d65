import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { lastUserContent } from '../support/fake-upstream.js';
import type { RequestRecord } from '../../src/core/record.js';
import { answerEcho, chatBody, fastUpstreams, isOpenAIError, post, startFallbackGateway } from './support.js';


describe('fallback between tiers', () => {
  let gw: TestGateway;
  const records: RequestRecord[] = [];
  beforeAll(async () => {
    gw = await startFallbackGateway(records);
  });
  afterEach(() => {
    gw.reasoning.scenario = answerEcho('reasoning');
    gw.direct.scenario = answerEcho('direct');
  });
  afterAll(() => gw.close());

  it('reasoning failing after retries is served by direct, with x-thinkgate-fallback and the record saying what served', async () => {
    gw.reasoning.scenario = () => ({ kind: 'status', status: 500 });
    gw.direct.scenario = answerEcho('direct');
    const before = gw.reasoning.chatRequests().length;
    const { data, response } = await gw.client().chat.completions
      .create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'prove it' }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('direct: prove it');
    expect(response.headers.get('x-thinkgate-fallback')).toBe('true');
    expect(response.headers.get('x-thinkgate-route')).toBe('direct');
    expect(response.headers.get('x-thinkgate-upstream-model')).toBe('fake-chat');
    expect(gw.reasoning.chatRequests().length - before).toBe(3);
    const rec = records.at(-1)!;
    expect(rec.fallback).toBe(true);
    expect(rec.route).toBe('direct');
    expect(rec.upstreamModel).toBe('fake-chat');
    // The direct upstream gets its own model, not the reasoning one.
    expect((gw.direct.chatRequests().at(-1)!.body as { model: string }).model).toBe('fake-chat');
  });

  it('falls back for streams too, before any byte went out', async () => {
    gw.reasoning.scenario = () => ({ kind: 'status', status: 503 });
    const { data: stream, response } = await gw.client().chat.completions
      .create({ model: 'thinkgate-reasoning', stream: true, messages: [{ role: 'user', content: 'stream' }] })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('direct: stream');
    expect(response.headers.get('x-thinkgate-fallback')).toBe('true');
  });

  it('a normal answer carries no fallback header and fallback=false', async () => {
    const { response } = await gw.client().chat.completions
      .create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'fine' }] })
      .withResponse();
    expect(response.headers.get('x-thinkgate-fallback')).toBeNull();
    expect(records.at(-1)!.fallback).toBe(false);
  });

  it('direct does not fall back to reasoning by default: the client gets the error', async () => {
    gw.direct.scenario = () => ({ kind: 'status', status: 502 });
    const before = gw.reasoning.chatRequests().length;
    const res = await post(gw, '/v1/chat/completions', chatBody('thinkgate-direct'));
    expect(res.status).toBe(502);
    expect(isOpenAIError(res.json)).toBe(true);
    expect(gw.reasoning.chatRequests().length).toBe(before);
  });

  it('a client error (400) from reasoning is not a reason to fall back', async () => {
    gw.reasoning.scenario = () => ({ kind: 'status', status: 400, body: { error: { message: 'bad', type: 'invalid_request_error', param: null, code: null } } });
    const before = gw.direct.chatRequests().length;
    const res = await post(gw, '/v1/chat/completions', chatBody('thinkgate-reasoning'));
    expect(res.status).toBe(400);
    expect(gw.direct.chatRequests().length).toBe(before);
  });

  it('both tiers failing: the error of the tier that was chosen', async () => {
    gw.reasoning.scenario = () => ({ kind: 'status', status: 500, body: { error: { message: 'reasoning down', type: 'server_error', param: null, code: null } } });
    gw.direct.scenario = () => ({ kind: 'status', status: 503 });
    const res = await post(gw, '/v1/chat/completions', chatBody('thinkgate-reasoning'));
    expect(res.status).toBe(500);
    expect((res.json as { error: { message: string } }).error.message).toContain('reasoning down');
    expect(records.at(-1)!.fallback).toBe(false);
  });
});

describe('fallback configuration', () => {
  it('directToReasoning: true lets reasoning serve a failing direct; reasoningToDirect: false gives the error', async () => {
    const gw = await startGateway((f) => ({ upstreams: fastUpstreams(f), fallback: { directToReasoning: true, reasoningToDirect: false } }));
    try {
      gw.direct.scenario = () => ({ kind: 'status', status: 500 });
      const { data, response } = await gw.client().chat.completions
        .create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'x' }] })
        .withResponse();
      expect(data.choices[0]!.message.content).toBe('echo: x');
      expect(response.headers.get('x-thinkgate-fallback')).toBe('true');
      gw.reasoning.scenario = () => ({ kind: 'status', status: 500 });
      const res = await post(gw, '/v1/chat/completions', chatBody('thinkgate-reasoning'));
      expect(res.status).toBe(500);
    } finally {
      await gw.close();
    }
  });
});

describe('circuit breaker', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway((f) => ({
      upstreams: fastUpstreams(f, {
        reasoning: { retry: { maxAttempts: 1 }, breaker: { minRequests: 2, errorRate: 0.5, windowMs: 60_000, cooldownMs: 300 } },
      }),
    }));
  });
  afterAll(() => gw.close());

  const readyz = async (): Promise<{ breakers: Record<string, { state: string }> }> =>
    (await (await fetch(`${gw.url}/readyz`)).json()) as { breakers: Record<string, { state: string }> };

  it('opens after failures, skips the upstream while open (fallback serves), half-opens after the cool-down, closes on success', async () => {
    expect((await readyz()).breakers.reasoning!.state).toBe('closed');
    gw.reasoning.scenario = () => ({ kind: 'status', status: 500 });
    for (let i = 0; i < 2; i++) await gw.client().chat.completions.create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'a' }] });
    expect((await readyz()).breakers.reasoning!.state).toBe('open');

    const before = gw.reasoning.chatRequests().length;
    const { response } = await gw.client().chat.completions
      .create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'b' }] })
      .withResponse();
    expect(response.headers.get('x-thinkgate-fallback')).toBe('true');
    expect(gw.reasoning.chatRequests().length).toBe(before);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/^thinkgate_upstream_breaker_state\{tier="reasoning"\} 2$/m);
    expect(metrics).toMatch(/^thinkgate_upstream_breaker_state\{tier="direct"\} 0$/m);
    expect(metrics).toMatch(/^thinkgate_fallbacks_total\{from="reasoning",to="direct"\} [1-9]/m);

    gw.reasoning.scenario = (body) => ({ kind: 'answer', answer: { content: `back: ${lastUserContent(body)}` } });
    await new Promise((r) => setTimeout(r, 350));
    expect((await readyz()).breakers.reasoning!.state).toBe('half-open');
    const res = await gw.client().chat.completions.create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'c' }] });
    expect(res.choices[0]!.message.content).toBe('back: c');
    expect((await readyz()).breakers.reasoning!.state).toBe('closed');
  });
});

describe('circuit breaker without fallback', () => {
  it('open breaker answers 503 upstream_circuit_open with Retry-After, without calling the upstream', async () => {
    const gw = await startGateway((f) => ({
      upstreams: fastUpstreams(f, { direct: { retry: { maxAttempts: 1 }, breaker: { minRequests: 1, errorRate: 0.5, cooldownMs: 60_000 } } }),
    }));
    try {
      gw.direct.scenario = () => ({ kind: 'status', status: 500 });
      expect((await post(gw, '/v1/chat/completions', chatBody('thinkgate-direct'))).status).toBe(500);
      const before = gw.direct.chatRequests().length;
      const res = await post(gw, '/v1/chat/completions', chatBody('thinkgate-direct'));
      expect(res.status).toBe(503);
      expect((res.json as { error: { code: string } }).error.code).toBe('upstream_circuit_open');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(gw.direct.chatRequests().length).toBe(before);
    } finally {
      await gw.close();
    }
  });
});
