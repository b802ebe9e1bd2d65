import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsBody } from '../../src/routes/stats.js';
import { redisServerBinary } from '../support/redis.js';
import { startFleet, type Fleet, type Replica } from '../support/fleet.js';

/**
 * `gate.reasoningBudget` across a fleet: the hour's budget is the fleet's, so reasoning spent through one replica
 * raises the threshold on every replica. Real redis-server, the official `openai` SDK.
 */

const haveRedis = redisServerBinary() !== undefined;
if (!haveRedis) console.warn('fleet budget tests skipped: redis-server is not installed (apt-get install redis-server; CI installs it)');

const budgetOf = async (r: Replica): Promise<NonNullable<StatsBody['gate']['controller']['budget']>> => {
  const body = (await (await fetch(`${r.url}/v1/stats`)).json()) as StatsBody;
  return body.gate.controller.budget!;
};

describe.skipIf(!haveRedis)('reasoning budget across two replicas', () => {
  let fleet: Fleet;
  let a: Replica;
  let b: Replica;
  beforeAll(async () => {
    // 100 reasoning tokens an hour; the fake upstream reports 12 per reasoning answer.
    fleet = await startFleet(2, () => ({ gate: { reasoningBudget: { reasoningTokensPerHour: 100, softStart: 0.5, maxThreshold: 0.95 } } }));
    [a, b] = fleet.replicas as [Replica, Replica];
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it('reasoning spent through A counts against the budget B applies, and B\'s own spend against A\'s', async () => {
    for (let i = 0; i < 6; i++) await a.client().chat.completions.create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: `think ${i}` }] });
    expect((await budgetOf(a)).reasoningTokens).toBe(72);
    const deadline = performance.now() + 5_000;
    while ((await budgetOf(b)).reasoningTokens < 72 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const seenByB = await budgetOf(b);
    expect(seenByB.reasoningTokens).toBe(72);
    expect(seenByB.thresholdRaise).toBeGreaterThan(0);
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(Number(/^thinkgate_gate_threshold (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0.35);

    await b.client().chat.completions.create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'think on B' }] });
    expect((await budgetOf(b)).reasoningTokens).toBe(84);
    const until = performance.now() + 5_000;
    while ((await budgetOf(a)).reasoningTokens < 84 && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
    // Each replica's own spend is counted once, the other's once: never twice.
    expect((await budgetOf(a)).reasoningTokens).toBe(84);
    await new Promise((r) => setTimeout(r, 1_200));
    for (const r of [a, b]) expect((await budgetOf(r)).reasoningTokens, r.name).toBe(84);
  });
});
