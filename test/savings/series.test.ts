import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/core/record.js';
import type { Accounting } from '../../src/savings/accounting.js';
import { Ledger } from '../../src/savings/ledger.js';
import { MemoryLedgerStore } from '../../src/savings/store.js';

/** The ledger's time series on a clock the test moves: what the dashboard's charts draw. */
const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 15, 12, 0, 0);

const record = (tenant = 't_a', outcome: RequestRecord['outcome'] = 'completed'): RequestRecord => ({
  requestId: 'r',
  api: 'chat',
  tenant,
  route: 'direct',
  decisionSource: 'gate',
  score: 0.1,
  reasons: [],
  upstreamModel: 'm',
  fallback: false,
  requestedModel: 'auto',
  stream: false,
  cache: 'miss',
  status: 200,
  outcome,
  errorCode: null,
  usage: null,
  startedAt: 0,
  ttfbMs: null,
  latencyMs: 10,
});

/** 1000 nano-USD spent, 4000 saved, 20 tokens spent, 30 saved. */
const accounting: Accounting = {
  tokens: { prompt: 10, cachedPrompt: 0, completion: 10, reasoning: 0 },
  upstreamTokens: { prompt: 10, cachedPrompt: 0, completion: 10, reasoning: 0 },
  usageEstimated: false,
  priced: true,
  costNano: 1000,
  counterfactual: null,
  savedCostNano: 4000,
  savedTokens: 30,
  savedReasoningTokens: 20,
  savedLatencyMs: 0,
};

function ledgerAt(historyDays = 400) {
  const clock = { now: T0 };
  const ledger = new Ledger(new MemoryLedgerStore(10, () => clock.now), { hour: 3_600, day: 86_400 }, (e) => { throw e; }, () => clock.now, historyDays);
  return { ledger, clock, at: (ms: number, r = record()) => ((clock.now = ms), ledger.record(r, accounting)) };
}

describe('Ledger.series', () => {
  it('"all" while all traffic fits in the last hour: minute points from the first request to now', async () => {
    const { ledger, clock, at } = ledgerAt();
    at(T0 - 30 * MIN);
    at(T0 - 10 * MIN);
    ledger.recordRejected('t_a');
    clock.now = T0;
    const s = await ledger.series('all');
    expect(s.slotSeconds).toBe(60);
    expect(s.points[0]).toMatchObject({ t: (T0 - 30 * MIN) / 1000, requests: 0 });
    expect(s.points.at(-1)).toMatchObject({ t: T0 / 1000, requests: 2, rejected: 1, costUsd: 0.000002, alwaysReasoningCostUsd: 0.00001, tokens: 40, savedTokens: 60 });
    // Running totals never go down; time moves forward.
    for (let i = 1; i < s.points.length; i++) {
      expect(s.points[i]!.t).toBeGreaterThan(s.points[i - 1]!.t);
      expect(s.points[i]!.requests).toBeGreaterThanOrEqual(s.points[i - 1]!.requests);
    }
  });

  it('"all" over days: one point per day from the first day with traffic', async () => {
    const { ledger, clock, at } = ledgerAt();
    at(T0 - 2 * DAY);
    at(T0 - 2 * DAY + MIN);
    at(T0 - 5 * MIN);
    clock.now = T0;
    const s = await ledger.series('all');
    expect(s.slotSeconds).toBe(86_400);
    const dayStart = Math.floor((T0 - 2 * DAY) / DAY) * DAY;
    expect(s.points.map((p) => [p.t, p.requests])).toEqual([
      [dayStart / 1000, 0],
      [(dayStart + DAY) / 1000, 2],
      [(dayStart + 2 * DAY) / 1000, 2],
      [T0 / 1000, 3],
    ]);
  });

  it('"all" with history older than the daily series: starts from what was counted before it', async () => {
    const { ledger, clock, at } = ledgerAt(2);
    at(T0 - 10 * DAY);
    at(T0 - DAY);
    clock.now = T0;
    const s = await ledger.series('all');
    expect(s.points[0]).toMatchObject({ requests: 1 });
    expect(s.points.at(-1)).toMatchObject({ requests: 2 });
  });

  it('a window: its 60 slots from zero, errors and aborts apart, per tenant when asked', async () => {
    const { ledger, clock, at } = ledgerAt();
    at(T0 - 2 * DAY);
    at(T0 - 20 * MIN, record('t_a', 'error'));
    at(T0 - 10 * MIN, record('t_b', 'aborted'));
    clock.now = T0 + 30_000; // mid-minute: a start point, 59 whole slots and the one in progress
    const hour = await ledger.series('hour');
    expect(hour.points).toHaveLength(61);
    expect(hour.points[0]).toMatchObject({ requests: 0 });
    expect(hour.points.at(-1)).toMatchObject({ requests: 2, errors: 1, aborted: 1 });
    expect((await ledger.series('hour', 't_b')).points.at(-1)).toMatchObject({ requests: 1, errors: 0, aborted: 1 });
    await expect(ledger.series('week')).rejects.toThrow(/unknown window "week"/);
  });
});
