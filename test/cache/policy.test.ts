import { describe, expect, it } from 'vitest';
import { cacheControlDirectives, cacheControlFlags, isCacheableCompletion, NO_CACHE, NO_STORE, requestPolicy } from '../../src/cache/policy.js';
import { configSchema } from '../../src/config/schema.js';
import type { ChatCompletion } from '../../src/core/types.js';

const cfg = (over: Record<string, unknown> = {}) => configSchema.parse({ cache: over }).cache;

const completion = (...reasons: (string | null)[]): ChatCompletion => ({
  id: 'c',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: reasons.map((finish_reason, index) => ({ index, message: { role: 'assistant', content: 'x' }, finish_reason })),
});

describe('requestPolicy', () => {
  it('caches deterministic requests only by default: temperature 0 or a seed', () => {
    expect(requestPolicy({ temperature: 0 }, cfg())).toMatchObject({ read: true, write: true });
    expect(requestPolicy({ temperature: 0.7, seed: 3 }, cfg())).toMatchObject({ read: true, write: true });
    expect(requestPolicy({ temperature: 0.7 }, cfg())).toMatchObject({ read: false, write: false, reason: 'not deterministic' });
    expect(requestPolicy({}, cfg())).toMatchObject({ read: false, write: false });
    expect(requestPolicy({}, cfg({ absentTemperatureIsDeterministic: true }))).toMatchObject({ read: true, write: true });
    expect(requestPolicy({ temperature: 1 }, cfg({ mode: 'all' }))).toMatchObject({ read: true, write: true });
  });

  it('no-store bypasses read and write; no-cache skips the read and refreshes', () => {
    expect(requestPolicy({ temperature: 0, cacheControl: 'no-store' }, cfg())).toMatchObject({ read: false, write: false });
    expect(requestPolicy({ temperature: 0, cacheControl: 'No-Cache' }, cfg())).toMatchObject({ read: false, write: true });
    expect(requestPolicy({ temperature: 0, cacheControl: ['max-age=0', 'no-store'] }, cfg())).toMatchObject({ read: false, write: false });
  });

  it('is off when disabled', () => {
    expect(requestPolicy({ temperature: 0 }, cfg({ enabled: false }))).toMatchObject({ read: false, write: false, reason: 'disabled' });
  });

  it('parses directives with arguments and spaces', () => {
    expect([...cacheControlDirectives(' no-cache , max-age=0')]).toEqual(['no-cache', 'max-age']);
  });

  it('reads the header into flags the way the directive set does', () => {
    expect(cacheControlFlags(undefined)).toBe(0);
    expect(cacheControlFlags('no-store')).toBe(NO_STORE);
    expect(cacheControlFlags(' No-Cache , max-age=5')).toBe(NO_CACHE);
    expect(cacheControlFlags('max-age=5,\tno-store\t')).toBe(NO_STORE);
    expect(cacheControlFlags(['max-age=0', 'no-cache, no-store'])).toBe(NO_STORE | NO_CACHE);
    // Arguments are not directive names; longer or shorter names are other directives.
    expect(cacheControlFlags('x=no-store, no-stores, no-stor')).toBe(0);
    expect(cacheControlFlags('no-store=1')).toBe(NO_STORE);
    expect(cacheControlFlags('')).toBe(0);
    for (const h of ['no-store', 'NO-CACHE', 'private, no-cache', 'max-age=5', 'max-age=10', ' , no-store,,']) {
      const set = cacheControlDirectives(h);
      expect(cacheControlFlags(h)).toBe((set.has('no-store') ? NO_STORE : 0) | (set.has('no-cache') ? NO_CACHE : 0));
    }
  });

  it('reads max-age=0 as a refresh (a browser reload sends it), other ages as nothing', () => {
    expect(cacheControlFlags('max-age=0')).toBe(NO_CACHE);
    expect(cacheControlFlags('Max-Age = "0" ')).toBe(NO_CACHE);
    expect(cacheControlFlags('private, max-age=00')).toBe(NO_CACHE);
    expect(cacheControlFlags('max-age=0, no-store')).toBe(NO_STORE | NO_CACHE);
    for (const h of ['max-age=10', 'max-age=', 'max-age', 'max-age=0x', 's-maxage=0', 'max-stale=0']) expect(cacheControlFlags(h)).toBe(0);
    expect(requestPolicy({ temperature: 0, cacheControl: 'max-age=0' }, cfg())).toMatchObject({ read: false, write: true });
  });

  it('takes parsed flags in place of the raw header', () => {
    expect(requestPolicy({ temperature: 0, cacheControl: 'no-store', cacheFlags: 0 }, cfg())).toMatchObject({ read: true, write: true });
    expect(requestPolicy({ temperature: 0, cacheFlags: NO_CACHE }, cfg())).toMatchObject({ read: false, write: true });
  });
});

describe('isCacheableCompletion', () => {
  it('stores only answers where every choice finished', () => {
    expect(isCacheableCompletion(completion('stop'), cfg())).toBe(true);
    expect(isCacheableCompletion(completion('tool_calls', 'stop'), cfg())).toBe(true);
    expect(isCacheableCompletion(completion('stop', null), cfg())).toBe(false);
    expect(isCacheableCompletion(completion(), cfg())).toBe(false);
    expect(isCacheableCompletion(completion('content_filter'), cfg())).toBe(false);
  });

  it('never stores a choice that carries nothing: no text, refusal, tool calls or audio', () => {
    const withMessage = (message: Record<string, unknown>, finish_reason = 'stop'): ChatCompletion => ({ ...completion(finish_reason), choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason }] });
    expect(isCacheableCompletion(withMessage({ content: null }), cfg())).toBe(false);
    expect(isCacheableCompletion(withMessage({ content: '' }), cfg())).toBe(false);
    expect(isCacheableCompletion(withMessage({ content: null, tool_calls: [] }, 'tool_calls'), cfg())).toBe(false);
    expect(isCacheableCompletion(withMessage({ content: 'Paris' }), cfg())).toBe(true);
    expect(isCacheableCompletion(withMessage({ refusal: 'I cannot help with that.' }), cfg())).toBe(true);
    expect(isCacheableCompletion(withMessage({ tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }] }, 'tool_calls'), cfg())).toBe(true);
    expect(isCacheableCompletion(withMessage({ audio: { id: 'a', data: 'AAAA' } }), cfg())).toBe(true);
    // One empty choice among good ones keeps the whole answer out.
    const mixed = completion('stop', 'stop');
    mixed.choices[1] = { index: 1, message: { role: 'assistant', content: '' }, finish_reason: 'stop' };
    expect(isCacheableCompletion(mixed, cfg())).toBe(false);
  });

  it('stores length-cut answers only when configured', () => {
    expect(isCacheableCompletion(completion('length'), cfg())).toBe(false);
    expect(isCacheableCompletion(completion('length'), cfg({ cacheLengthFinish: true }))).toBe(true);
  });
});
