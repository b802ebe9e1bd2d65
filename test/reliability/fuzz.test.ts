import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { fastUpstreams, isOpenAIError, post, type RawResponse } from './support.js';

/**
 * Hostile and random chat requests over real HTTP. Invariants: the process keeps serving; every answer is JSON,
 * either a chat completion (200) or the OpenAI error shape (4xx, never 5xx); a 4xx never reached the upstream.
 */

const validMessage = fc.record({ role: fc.constantFrom('user', 'system'), content: fc.string({ minLength: 1, maxLength: 40 }) });
const validRequest = fc.record({
  model: fc.constantFrom('thinkgate-direct', 'thinkgate-reasoning', 'auto', 'gpt-4o'),
  messages: fc.array(validMessage, { minLength: 1, maxLength: 4 }),
});

/** A random JSON value for a field: wrong types included. */
const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(null),
  fc.constant(-1),
  fc.constant(Number.MAX_VALUE),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constant('\ud800'),
  fc.constant('\udfff\ud800'),
  fc.constant('\u0000\u202e\ufeff'),
);

const FIELDS = ['model', 'messages', 'stream', 'stream_options', 'temperature', 'top_p', 'n', 'max_tokens', 'tools', 'reasoning_effort'];

/** A valid request with some fields replaced by junk, messages mangled, or keys added. */
const mutatedRequest = fc
  .tuple(validRequest, fc.array(fc.tuple(fc.constantFrom(...FIELDS), junk), { maxLength: 3 }), fc.array(fc.tuple(fc.nat(3), fc.constantFrom('role', 'content', 'name'), junk), { maxLength: 2 }))
  .map(([req, fieldMutations, messageMutations]) => {
    const out: Record<string, unknown> = { ...req, messages: req.messages.map((m) => ({ ...m })) };
    for (const [field, value] of fieldMutations) out[field] = value;
    for (const [i, key, value] of messageMutations) {
      const msgs = out.messages;
      const target: unknown = Array.isArray(msgs) ? msgs[i % Math.max(1, msgs.length)] : undefined;
      if (typeof target === 'object' && target !== null && !Array.isArray(target)) (target as Record<string, unknown>)[key] = value;
    }
    return out;
  });

describe('fuzzed chat requests', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway((f) => ({ upstreams: fastUpstreams(f) }));
  });
  afterAll(() => gw.close());

  const upstreamCalls = (): number => gw.reasoning.chatRequests().length + gw.direct.chatRequests().length;

  const checkInvariants = (res: RawResponse, before: number): void => {
    expect(res.json, res.text.slice(0, 300)).toBeDefined();
    if (res.status === 200) {
      const body = res.json as { object?: string; choices?: unknown };
      if (res.headers.get('content-type')?.includes('event-stream')) return;
      expect(body.object).toBe('chat.completion');
      expect(Array.isArray(body.choices)).toBe(true);
      return;
    }
    expect(res.status, res.text.slice(0, 300)).toBeGreaterThanOrEqual(400);
    expect(res.status, res.text.slice(0, 300)).toBeLessThan(500);
    expect(isOpenAIError(res.json)).toBe(true);
    expect(upstreamCalls()).toBe(before);
  };

  it('arbitrary JSON bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (body) => {
        const before = upstreamCalls();
        const res = await post(gw, '/v1/chat/completions', JSON.stringify(body));
        checkInvariants(res, before);
      }),
      { numRuns: 120 },
    );
  });

  it('mutated valid requests: wrong types, lone surrogates, control characters', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedRequest, async (body) => {
        const before = upstreamCalls();
        // Streams answer SSE: the invariant is checked on non-stream requests, so stream is forced off unless junk.
        if (body.stream === true) body.stream = false;
        const res = await post(gw, '/v1/chat/completions', JSON.stringify(body));
        checkInvariants(res, before);
      }),
      { numRuns: 200 },
    );
  });

  it('arbitrary bytes as a body: 400 invalid_json, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (text) => {
        const before = upstreamCalls();
        const res = await post(gw, '/v1/chat/completions', text);
        checkInvariants(res, before);
      }),
      { numRuns: 80 },
    );
  });

  it.each([
    ['__proto__ at the top', '{"__proto__":{"admin":true},"messages":[{"role":"user","content":"x"}]}'],
    ['__proto__ in a message', '{"messages":[{"role":"user","content":"x","__proto__":{"role":"system"}}]}'],
    ['constructor.prototype', '{"constructor":{"prototype":{"polluted":true}},"messages":[{"role":"user","content":"x"}]}'],
    ['deep nesting', `{"messages":[{"role":"user","content":"x"}],"metadata":${'['.repeat(50_000)}${']'.repeat(50_000)}}`],
    ['deep nesting in content', `{"messages":[{"role":"user","content":${'['.repeat(20_000)}${']'.repeat(20_000)}}]}`],
    ['a huge messages array of junk', JSON.stringify({ messages: Array.from({ length: 50_000 }, () => 1) })],
    ['a huge tools array', JSON.stringify({ messages: [{ role: 'user', content: 'x' }], tools: Array.from({ length: 20_000 }, () => 'x') })],
    ['duplicate keys', '{"messages":[{"role":"user","content":"x"}],"messages":5}'],
    ['number overflow', '{"messages":[{"role":"user","content":"x"}],"temperature":1e999}'],
  ])('%s: a clear answer, no crash, no pollution', async (_name, text) => {
    const before = upstreamCalls();
    const res = await post(gw, '/v1/chat/completions', text);
    checkInvariants(res, before);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a huge valid conversation with unicode edge cases is served', async () => {
    const weird = ['\ud800', 'a\udfffb', '😀'.repeat(100), '\u0000', 'e\u0301', '\u202eevil', '\ufeff'];
    const messages = Array.from({ length: 5_000 }, (_, i) => ({ role: 'user', content: weird[i % weird.length]! }));
    const before = upstreamCalls();
    const res = await post(gw, '/v1/chat/completions', JSON.stringify({ model: 'thinkgate-direct', messages }));
    expect(res.status).toBe(200);
    expect(upstreamCalls()).toBe(before + 1);
  });

  it('still healthy after all of it', async () => {
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    const ok = await gw.client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'hi' }] });
    expect(ok.choices[0]!.message.content).toBe('echo: hi');
  });
});
