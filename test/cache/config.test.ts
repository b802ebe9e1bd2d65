import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';

describe('cache configuration', () => {
  it('has safe defaults: deterministic, 256 MiB, tenant-scoped, cross-tier on, length answers not cached', () => {
    const { cache } = parseConfig({});
    expect(cache).toMatchObject({
      enabled: true,
      mode: 'deterministic',
      maxBytes: 256 * 1024 * 1024,
      shareAcrossTenants: false,
      cacheLengthFinish: false,
      crossTier: true,
    });
    expect(cache.store).toBeUndefined();
  });

  it('refuses the redis store without a redis URL, naming the field', () => {
    expect(() => parseConfig({ cache: { store: 'redis' } })).toThrow(ConfigError);
    try {
      parseConfig({ cache: { store: 'redis' } });
    } catch (err) {
      expect((err as ConfigError).problems).toContain('cache.store: the redis store needs redis.url (or REDIS_URL)');
    }
    expect(parseConfig({ cache: { store: 'redis' }, redis: { url: 'redis://127.0.0.1:6379' } }).cache.store).toBe('redis');
  });

  it('rejects bad values and unknown keys with their path', () => {
    expect(() => parseConfig({ cache: { mode: 'sometimes' } })).toThrow(/cache\.mode/);
    expect(() => parseConfig({ cache: { maxBytes: -1 } })).toThrow(/cache\.maxBytes/);
    expect(() => parseConfig({ cache: { maxbytes: 1 } })).toThrow(/cache/);
  });
});
