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
    expect(cacheControlFlags(' No-Cache , max-age=0')).toBe(NO_CACHE);
    expect(cacheControlFlags('max-age=0,\tno-store\t')).toBe(NO_STORE);
    expect(cacheControlFlags(['max-age=0', 'no-cache, no-store'])).toBe(NO_STORE | NO_CACHE);
    // Arguments are not directive names; longer or shorter names are other directives.
    expect(cacheControlFlags('x=no-store, no-stores, no-stor')).toBe(0);
    expect(cacheControlFlags('no-store=1')).toBe(NO_STORE);
    expect(cacheControlFlags('')).toBe(0);
    for (const h of ['no-store', 'NO-CACHE', 'private, no-cache', 'max-age=5', ' , no-store,,']) {
      const set = cacheControlDirectives(h);
      expect(cacheControlFlags(h)).toBe((set.has('no-store') ? NO_STORE : 0) | (set.has('no-cache') ? NO_CACHE : 0));
    }
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

  it('stores length-cut answers only when configured', () => {
    expect(isCacheableCompletion(completion('length'), cfg())).toBe(false);
    expect(isCacheableCompletion(completion('length'), cfg({ cacheLengthFinish: true }))).toBe(true);
  });
});
