import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, entrySize, type CacheEntry } from '../../src/cache/entry.js';
import { ResultCache } from '../../src/cache/result-cache.js';
import { MemoryStore } from '../../src/cache/store.js';

const entry = (json: string): CacheEntry => ({ tier: 'reasoning', json, storedAt: 1_700_000_000_123 });

describe('entry codec', () => {
  it('round-trips small values uncompressed and large values deflated (smaller)', async () => {
    const small = entry('{"a":"é"}');
    const big = entry(JSON.stringify({ text: 'repeat me '.repeat(500) }));
    const smallBuf = await encodeEntry(small, 2048);
    const bigBuf = await encodeEntry(big, 2048);
    expect(smallBuf[0]).toBe(1);
    expect(bigBuf[0]).toBe(2);
    expect(bigBuf.length).toBeLessThan(Buffer.byteLength(big.json) / 4);
    expect(await decodeEntry(smallBuf)).toEqual(small);
    expect(await decodeEntry(bigBuf)).toEqual(big);
    expect((await decodeEntry(await encodeEntry({ ...small, tier: 'direct' }, 0)))?.tier).toBe('direct');
  });

  it('rejects values it did not write', async () => {
    expect(await decodeEntry(Buffer.from('plain text value'))).toBeUndefined();
    expect(await decodeEntry(Buffer.alloc(3))).toBeUndefined();
  });
});

describe('MemoryStore', () => {
  it('stays within maxBytes, evicting least recently used entries', async () => {
    const maxBytes = 64 * 1024;
    const store = new MemoryStore(maxBytes, 60);
    for (let i = 0; i < 1000; i++) await store.set(`k${i}`, entry(JSON.stringify({ i, text: 'x'.repeat(200) })));
    const stats = store.stats();
    expect(stats.bytes).toBeLessThanOrEqual(maxBytes);
    expect(stats.entries).toBeGreaterThan(50);
    expect(stats.entries).toBeLessThan(1000);
    expect(await store.get('k0')).toBeNull();
    expect(await store.get('k999')).not.toBeNull();
  });

  it('charges UTF-8 bytes: a non-ASCII answer counts more than its length', () => {
    expect(entrySize('k', entry('ééé'))).toBeGreaterThan(entrySize('k', entry('eee')));
  });

  it('refuses an entry larger than a quarter of the store', async () => {
    const store = new MemoryStore(4096, 60);
    await store.set('big', entry('x'.repeat(2000)));
    expect(await store.get('big')).toBeNull();
  });
});

describe('ResultCache.peek (the promise-free lookup of a cache hit)', () => {
  const cacheOver = (store: MemoryStore): ResultCache =>
    new ResultCache({ enabled: true, memoMaxBytes: 0 } as ConstructorParameters<typeof ResultCache>[0], store);

  it('answers for the routed tier’s key only: a cross-tier entry waits for the ordered lookup', async () => {
    const store = new MemoryStore(1 << 20, 60);
    const cache = cacheOver(store);
    store.put('routed', entry('{"a":1}'));
    store.put('cross', entry('{"b":2}'));
    expect(cache.peek(['routed', 'cross'])).toMatchObject({ key: 'routed', crossTier: false });
    expect(cache.peek(['absent', 'cross'])).toBeUndefined();
    // The ordered lookup still finds the cross-tier entry, marked as such.
    expect(await cache.lookup(['absent', 'cross'])).toMatchObject({ key: 'cross', crossTier: true });
    expect(cache.peek([])).toBeUndefined();
  });
});
