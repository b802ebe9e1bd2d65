import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsBody } from '../../src/routes/stats.js';
import type { Series } from '../../src/savings/series.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { startRedis } from '../support/redis.js';

/** Two replicas sharing one Redis: stats on either replica show the fleet total. */
describe('fleet-wide ledger in Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let one: TestGateway;
  let two: TestGateway;
  const stats = async (gw: TestGateway): Promise<StatsBody> => (await (await fetch(`${gw.url}/v1/stats`)).json()) as StatsBody;

  beforeAll(async () => {
    redis = await startRedis();
    const config = () => ({
      redis: { url: redis.url, keyPrefix: `tg${Date.now()}:` },
      pricing: { 'fake-chat': { input: 1, output: 2 }, 'fake-reasoner': { input: 4, output: 8 } },
    });
    const shared = config();
    one = await startGateway(() => shared);
    two = await startGateway(() => shared);
  });
  afterAll(async () => {
    await Promise.all([one?.close(), two?.close()]);
    await redis?.stop();
  });

  it('adds both replicas into the same counters', async () => {
    await one.client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'a' }] });
    await one.client().chat.completions.create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'b' }] });
    await two.client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'c' }] });
    // Replica one flushes its own writes before reading; replica two's write is awaited by its own request path.
    await two.app.thinkgate.savings.ledger.flush();
    for (const gw of [one, two]) {
      const s = await stats(gw);
      expect(s.scope).toEqual({ tenant: 'all', store: 'redis', fleet: true });
      // direct: 10×1 + 20×2 = 50 000 nano each; reasoning: 10×4 + 20×8 = 200 000 nano.
      expect(s.totals).toMatchObject({ requests: 3, costUsd: 0.0003, tokens: { prompt: 30, completion: 60, reasoning: 12 } });
      expect(s.routes).toEqual({ direct: 2, reasoning: 1 });
      // Saved per direct answer: (10×4 + 80×8) − 50 = 630 $/M·tok → 630 000 nano.
      expect(s.totals.savedCostUsd).toBe(0.00126);
      expect(s.windows.hour?.totals.requests).toBe(3);
      expect(s.recent.map((r) => r.route)).toEqual(['direct', 'reasoning', 'direct']);
    }
  });

  it('serves the fleet\'s time series from Redis: the same history on either replica, rejections included', async () => {
    await (await fetch(`${two.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).text();
    await two.app.thinkgate.savings.ledger.flush();
    for (const gw of [one, two]) {
      for (const window of ['all', 'hour', 'day']) {
        const series = (await (await fetch(`${gw.url}/v1/stats/series?window=${window}`)).json()) as Series;
        expect(series.points.at(-1), `${window}`).toMatchObject({ requests: 3, rejected: 1, costUsd: 0.0003 });
      }
    }
  });

  it('keeps answering when Redis goes away: the write is held in memory, and the request still succeeds', async () => {
    await redis.stop();
    // The replica has seen the connection close (its cache client shares the moment).
    for (let i = 0; i < 200 && one.app.thinkgate.cache.stats().redis?.up === true; i++) await new Promise((r) => setTimeout(r, 10));
    const res = await one.client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'd' }] });
    expect(res.choices[0]?.message.content).toBe('echo: d');
    await one.app.thinkgate.savings.ledger.flush();
    const metrics = await (await fetch(`${one.url}/metrics`)).text();
    expect(metrics).toMatch(/^thinkgate_ledger_held_requests 1$/m);
    expect(metrics).toMatch(/^thinkgate_ledger_write_errors_total 0$/m);
    const statsRes = await fetch(`${one.url}/v1/stats`);
    expect(statsRes.status).toBe(503);
    expect(((await statsRes.json()) as { error: { code: string } }).error.code).toBe('stats_unavailable');
  });
});
