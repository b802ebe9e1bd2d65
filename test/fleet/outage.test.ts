import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { redisServerBinary, startRedis } from '../support/redis.js';
import { startFleet, type Fleet, type Replica } from '../support/fleet.js';

/**
 * Redis going away (the process killed) and coming back (started again, empty, on the same port) while two
 * replicas serve: requests keep being answered from each replica's own state, each store says so once, and the
 * fleet's shared state comes back without a restart of any replica.
 */

const haveRedis = redisServerBinary() !== undefined;
if (!haveRedis) console.warn('fleet outage tests skipped: redis-server is not installed (apt-get install redis-server; CI installs it)');

const hard = 'Prove that for every integer n, n^3 - n is divisible by 6.';
type Message = { role: 'user' | 'assistant'; content: string };

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** One conversation under one session header, its turns sent to whichever replica the test names. */
function conversation(session: string) {
  const history: Message[] = [];
  return {
    async turn(replica: Replica, content: string): Promise<string | null> {
      history.push({ role: 'user', content });
      const res = await replica.client().chat.completions.create({ model: 'auto', messages: history }, { headers: { 'x-thinkgate-session': session } }).withResponse();
      history.push({ role: 'assistant', content: res.data.choices[0]!.message.content ?? '' });
      return res.response.headers.get('x-thinkgate-route');
    },
    async dryRun(replica: Replica, content: string): Promise<{ route: string; session: { effect: string } }> {
      const res = await fetch(`${replica.url}/v1/route`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-thinkgate-session': session },
        body: JSON.stringify({ model: 'auto', messages: [...history, { role: 'user', content }] }),
      });
      return (await res.json()) as { route: string; session: { effect: string } };
    },
  };
}

describe.skipIf(!haveRedis)('Redis killed and restarted under a two-replica fleet', () => {
  let fleet: Fleet | undefined;
  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
  });

  it('sessions keep their route from each replica\'s own memory, warnings name the store, and Redis is seeded again once back', async () => {
    fleet = await startFleet(2);
    const f = fleet;
    const [a, b] = f.replicas as [Replica, Replica];
    const talk = conversation('outage-conversation');
    expect(await talk.turn(a, 'hi there!')).toBe('direct');
    expect(await talk.turn(b, hard)).toBe('reasoning');
    expect(await talk.turn(a, 'go on')).toBe('reasoning');

    await f.redis.stop();
    await until(() => f.replicas.every((r) => !r.app.thinkgate.cache.stats().redis!.up), 'both replicas to notice');
    // Each replica served a turn of the conversation: each remembers it was raised to reasoning.
    expect(await talk.dryRun(b, 'what is the capital of Japan?')).toMatchObject({ route: 'reasoning', session: { effect: 'held' } });
    expect(await talk.turn(b, 'what is the capital of Japan?')).toBe('reasoning');
    expect(await talk.turn(a, 'what is the capital of France?')).toBe('reasoning');
    expect(await talk.turn(b, 'thanks!')).toBe('direct');
    // A conversation begun during the outage has affinity on the replica that serves it.
    const during = conversation('begun-during-the-outage');
    expect(await during.turn(a, 'hello!')).toBe('direct');
    expect(await during.turn(a, hard)).toBe('reasoning');
    expect(await during.turn(a, 'what is the capital of Japan?')).toBe('reasoning');
    for (const r of f.replicas) {
      expect(r.app.thinkgate.sessions?.stats().errors, r.name).toBeGreaterThan(0);
      expect(f.warnings().filter((w) => w.replica === r.name && /^sessions: /.test(w.msg)), r.name).toHaveLength(1);
      // Prometheus sees it too: the errors, and the sessions this replica routes by on its own meanwhile.
      const metrics = await (await fetch(`${r.url}/metrics`)).text();
      expect(Number(/^thinkgate_session_store_errors_total (\d+)$/m.exec(metrics)?.[1] ?? 0), r.name).toBeGreaterThan(0);
      expect(Number(/^thinkgate_session_entries (\d+)$/m.exec(metrics)?.[1] ?? 0), r.name).toBeGreaterThanOrEqual(1);
    }

    const redis = await startRedis({ port: f.redis.port });
    f.redis = redis;
    await until(() => f.replicas.every((r) => r.app.thinkgate.cache.stats().redis!.up), 'both replicas to reconnect');
    await until(async () => (await Promise.all(f.replicas.map((r) => r.app.thinkgate.sessions!.waitReady(50)))).every(Boolean), 'the session stores to reconnect');
    for (const r of f.replicas) expect(r.logs.some((l) => l['msg'] === 'sessions: redis is reachable again'), r.name).toBe(true);
    // The restarted Redis is empty: the replica that serves the next turn seeds it from its own memory, and the
    // other replica reads it from there.
    expect(await talk.turn(a, 'what is the capital of Italy?')).toBe('reasoning');
    expect(await during.turn(a, 'and of Spain?')).toBe('reasoning');
    const inspect = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await until(async () => (await inspect.keys('fleet:session:*')).length === 2, 'both sessions in Redis again');
    } finally {
      inspect.disconnect();
    }
    expect(await during.turn(b, 'and of Portugal?')).toBe('reasoning');
    expect(await talk.turn(b, 'and of Greece?')).toBe('reasoning');
  }, 30_000);

  it('requests answered on both replicas while Redis was down are in the fleet\'s totals once it is back, each once', async () => {
    fleet = await startFleet(2);
    const f = fleet;
    const [a, b] = f.replicas as [Replica, Replica];
    const ask = (r: Replica, content: string) => r.client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content }] });
    await ask(a, 'before');
    await f.redis.stop();
    await until(() => f.replicas.every((r) => !r.app.thinkgate.cache.stats().redis!.up), 'both replicas to notice');
    let during = 0;
    for (let i = 0; i < 6; i++) {
      const r = i % 2 === 0 ? a : b;
      if (i % 3 === 2) {
        for await (const c of await r.client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: `streamed ${i}` }], stream: true })) void c;
      } else await ask(r, `during ${i}`);
      during++;
    }
    expect((await fetch(`${a.url}/v1/stats`)).status).toBe(503);
    // An outage long enough for the gateway's Redis clients to give up on their first reconnect attempts.
    await new Promise((r) => setTimeout(r, 1_200));
    f.redis = await startRedis({ port: f.redis.port });
    // The restarted Redis is empty: what it holds once the replicas are back is what they kept while it was down.
    await until(async () => {
      const res = await Promise.all(f.replicas.map((r) => fetch(`${r.url}/v1/stats`)));
      if (res.some((x) => x.status !== 200)) return false;
      const bodies = (await Promise.all(res.map((x) => x.json()))) as { requests: number }[];
      return bodies.every((x) => x.requests === during);
    }, `the ${during} requests of the outage in the fleet's totals on both replicas`);
    await ask(b, 'after');
    for (const r of f.replicas) {
      expect(f.warnings().filter((w) => w.replica === r.name && w.msg.startsWith('ledger: ')).map((w) => w.msg), r.name).toEqual(['ledger: redis unavailable, counting in memory until it is back']);
      expect(r.logs.filter((l) => l['msg'] === 'ledger: redis is reachable again; what was counted meanwhile is added').map((l) => l['requests']), r.name).toEqual([3]);
      const body = (await (await fetch(`${r.url}/v1/stats`)).json()) as { requests: number; routes: Record<string, number> };
      expect(body.requests, r.name).toBe(during + 1);
      expect(body.routes, r.name).toEqual({ direct: during + 1 });
    }
  }, 30_000);

  it('reads that need Redis (stats, stored responses) answer 503 at once while it is down, and the outage is logged once per store, not once per read', async () => {
    fleet = await startFleet(2);
    const f = fleet;
    const stored = await f.replicas[0]!.client().responses.create({ model: 'thinkgate-direct', input: 'kept before the outage' });
    await f.redis.stop();
    await until(() => f.replicas.every((r) => !r.app.thinkgate.cache.stats().redis!.up), 'both replicas to notice');
    const started = performance.now();
    // A dashboard polling both replicas, and a client reading its stored response.
    for (let poll = 0; poll < 4; poll++) {
      for (const r of f.replicas) {
        for (const path of ['/v1/stats', '/v1/stats/series', `/v1/responses/${stored.id}`]) {
          const res = await fetch(`${r.url}${path}`);
          expect(res.status, path).toBe(503);
          expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(/^(stats|response_store)_unavailable$/);
        }
        await expect(r.client().responses.create({ model: 'thinkgate-direct', input: 'and then?', previous_response_id: stored.id })).rejects.toMatchObject({ status: 503 });
      }
    }
    // Not held for a command timeout each: the stores know they are not connected.
    expect(performance.now() - started).toBeLessThan(3_000);
    for (const r of f.replicas) {
      const lines = f.warnings().filter((w) => w.replica === r.name);
      expect(lines.filter((w) => w.level >= 50).map((w) => w.msg), r.name).toEqual([]);
      const counts = new Map<string, number>();
      for (const w of lines) counts.set(w.msg, (counts.get(w.msg) ?? 0) + 1);
      for (const [msg, n] of counts) expect(n, `${r.name}: ${msg}`).toBe(1);
      expect([...counts.keys()], r.name).toEqual(expect.arrayContaining(['stats read failed', 'responses store: redis unavailable, stored responses cannot be read']));
    }
  }, 30_000);
});
