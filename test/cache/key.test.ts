import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { answerRelevantFields, cacheKey, canonicalJson, SHARED_SCOPE } from '../../src/cache/key.js';

const body = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'fake-chat',
  messages: [{ role: 'user', content: 'What is 2+2?' }],
  temperature: 0,
  ...extra,
});
const key = (b: Record<string, unknown>, scope = 't_a', tier: 'reasoning' | 'direct' = 'direct'): string => cacheKey({ tier, upstreamBody: b, scope });

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });

  it('is independent of key order (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
      }),
    );
  });

  it('parses back to the same value as JSON.stringify (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(canonicalJson(v))).toEqual(JSON.parse(JSON.stringify(v) ?? 'null'));
      }),
    );
  });
});

describe('cacheKey', () => {
  it('ignores what cannot change the answer: stream, stream_options, user, metadata, key order, JSON whitespace', () => {
    const k = key(body());
    expect(key(body({ stream: true, stream_options: { include_usage: true } }))).toBe(k);
    expect(key(body({ user: 'alice', metadata: { a: '1' }, store: false }))).toBe(k);
    expect(key(JSON.parse(JSON.stringify(body(), null, 4)) as Record<string, unknown>)).toBe(k);
    const reordered = { temperature: 0, messages: [{ content: 'What is 2+2?', role: 'user' }], model: 'fake-chat' };
    expect(key(reordered)).toBe(k);
    expect(key(body({ seed: null }))).toBe(k);
  });

  it.each([
    ['messages', { messages: [{ role: 'user', content: 'What is 2+3?' }] }],
    ['roles', { messages: [{ role: 'system', content: 'What is 2+2?' }] }],
    ['content parts', { messages: [{ role: 'user', content: [{ type: 'text', text: 'What is 2+2?' }] }] }],
    ['temperature', { temperature: 0.5 }],
    ['top_p', { top_p: 0.9 }],
    ['seed', { seed: 1 }],
    ['max tokens', { max_tokens: 10 }],
    ['stop', { stop: ['\n'] }],
    ['n', { n: 2 }],
    ['logprobs', { logprobs: true }],
    ['tools', { tools: [{ type: 'function', function: { name: 'f' } }] }],
    ['tool_choice', { tool_choice: 'required' }],
    ['response_format', { response_format: { type: 'json_object' } }],
    ['reasoning settings', { reasoning_effort: 'high' }],
    ['upstream model', { model: 'other-model' }],
  ])('changes with %s', (_name, change) => {
    expect(key(body(change))).not.toBe(key(body()));
  });

  it('changes with the tool calls in the history', () => {
    const withCall = (args: string): Record<string, unknown> =>
      body({
        messages: [
          { role: 'user', content: 'weather?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: args } }] },
          { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
        ],
      });
    expect(key(withCall('{"city":"Paris"}'))).not.toBe(key(withCall('{"city":"Rome"}')));
  });

  it('is scoped by tenant and tier, and names the tier', () => {
    expect(key(body(), 't_a')).not.toBe(key(body(), 't_b'));
    expect(key(body(), SHARED_SCOPE)).not.toBe(key(body(), 't_a'));
    expect(key(body(), 't_a', 'reasoning')).not.toBe(key(body(), 't_a', 'direct'));
    expect(key(body(), 't_a', 'reasoning')).toMatch(/^reasoning:[0-9a-f]{64}$/);
  });

  it('drops top-level nulls and ignored fields only', () => {
    expect(answerRelevantFields({ a: null, stream: true, b: 1, c: { d: null } })).toEqual({ b: 1, c: { d: null } });
  });
});
