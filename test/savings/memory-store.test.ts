import { describe, expect, it } from 'vitest';
import { COUNTERS, LATENCY_EDGES_MS, type CellIncrements } from '../../src/savings/cells.js';
import { MemoryLedgerStore, type RecentRequest } from '../../src/savings/store.js';

const fields = { counters: COUNTERS.map((c) => `t\u001fdirect\u001fm\u001f${c}`), latency: LATENCY_EDGES_MS.map((_, i) => `t\u001fdirect\u001fm\u001flat${i}`) };
const increments = (): CellIncrements => ({ fields, counters: COUNTERS.map((c) => (c === 'requests' ? 1 : 0)), latencyBucket: 0 });
const row = (requestId: string) => (): RecentRequest => ({ requestId }) as RecentRequest;

describe('MemoryLedgerStore recent rows', () => {
  it('keeps the last `recent` rows, newest first, before and after the ring wraps', async () => {
    const store = new MemoryLedgerStore(3);
    const ids = async (): Promise<string[]> => (await store.recent()).map((r) => r.requestId);
    expect(await ids()).toEqual([]);
    store.add(increments(), [{ id: 'cumulative', ttlSeconds: null }], row('r1'));
    store.add(increments(), [{ id: 'cumulative', ttlSeconds: null }], row('r2'));
    expect(await ids()).toEqual(['r2', 'r1']);
    for (let i = 3; i <= 7; i++) store.add(increments(), [{ id: 'cumulative', ttlSeconds: null }], row(`r${i}`));
    expect(await ids()).toEqual(['r7', 'r6', 'r5']);
    expect((await store.read(['cumulative'])).get(fields.counters[0]!)).toBe(7);
  });

  it('keeps none when `recent` is 0', async () => {
    const store = new MemoryLedgerStore(0);
    store.add(increments(), [{ id: 'cumulative', ttlSeconds: null }], row('r1'));
    expect(await store.recent()).toEqual([]);
  });
});
