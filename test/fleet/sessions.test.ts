import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { redisServerBinary } from '../support/redis.js';
import { startFleet, type Fleet, type Replica } from '../support/fleet.js';

/**
 * Session affinity across a fleet: a conversation whose turns alternate between two replicas (a round-robin load
 * balancer) keeps its route as it would on one replica, and both replicas report the same effect in `/v1/route` and
 * the log line. Real redis-server, the official `openai` SDK.
 */

const haveRedis = redisServerBinary() !== undefined;
if (!haveRedis) console.warn('fleet session tests skipped: redis-server is not installed (apt-get install redis-server; CI installs it)');

const hard = 'Prove that for every integer n, n^3 - n is divisible by 6.';
const hardZh = '甲、乙、丙三人中只有一人说了真话，甲说乙在说谎，乙说丙在说谎，丙说甲和乙都在说谎，请推理谁说了真话？';
type Message = { role: 'user' | 'assistant'; content: string };
interface DryRun {
  route: string;
  session?: { policy: string; effect: string; key: string; turns?: number; gateRoute: string };
}

/** A conversation whose turns go to the replicas in turn (A, B, A, …), resending its history as clients do. */
function roundRobin(replicas: Replica[], headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  const history: Message[] = [];
  let next = 0;
  return {
    async turn(content: string): Promise<{ route: string | null; replica: Replica; requestId: string | null }> {
      const replica = replicas[next++ % replicas.length]!;
      history.push({ role: 'user', content });
      const res = await replica.client().chat.completions.create({ model: 'auto', messages: history, ...extra }, { headers }).withResponse();
      history.push({ role: 'assistant', content: res.data.choices[0]!.message.content ?? '' });
      return { route: res.response.headers.get('x-thinkgate-route'), replica, requestId: res.response.headers.get('x-request-id') };
    },
    async dryRun(replica: Replica, content: string): Promise<DryRun> {
      const res = await fetch(`${replica.url}/v1/route`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'auto', messages: [...history, { role: 'user', content }], ...extra }),
      });
      return (await res.json()) as DryRun;
    },
  };
}

/** The `session` field of the log line of one request. */
function loggedSession(replica: Replica, requestId: string | null): unknown {
  return replica.logs.find((l) => l['requestId'] === requestId && l['route'] !== undefined)?.['session'];
}

describe.skipIf(!haveRedis)('session affinity across replicas (up-only, the default)', () => {
  let fleet: Fleet;
  let replicas: Replica[];
  beforeAll(async () => {
    fleet = await startFleet(3, () => ({ gate: { sessionTtlSeconds: 1 } }));
    replicas = fleet.replicas;
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it.each([
    ['English, by the conversation\'s opening', {}, {}, 'hi there!', hard, 'go on', 'what is the capital of Japan?', 'thanks!'],
    ['Chinese, by the session header', { 'x-thinkgate-session': 'zh-fleet' }, {}, '你好呀', hardZh, '继续', '法国的首都是哪里？', '谢谢'],
    ['English, by prompt_cache_key', {}, { prompt_cache_key: 'fleet-pck' }, 'hello!', hard, 'continue', 'what is the capital of Italy?', 'thank you'],
  ])('%s: turns spread over three replicas move direct → reasoning, never back; thanks goes direct; every replica reports the same', async (_name, headers, extra, hello, task, goOn, easy, thanks) => {
    const chat = roundRobin(replicas, headers, extra);
    expect((await chat.turn(hello)).route).toBe('direct');
    expect((await chat.turn(task)).route).toBe('reasoning');
    expect((await chat.turn(goOn)).route).toBe('reasoning');
    // Alone this turn goes direct; in the session it is held on reasoning, whichever replica is asked.
    const dry = await Promise.all(replicas.map((r) => chat.dryRun(r, easy)));
    for (const d of dry) expect(d).toMatchObject({ route: 'reasoning', session: { policy: 'up-only', effect: 'held', gateRoute: 'direct', turns: 4 } });
    expect(dry[1]).toEqual(dry[0]);
    expect(dry[2]).toEqual(dry[0]);
    const held = await chat.turn(easy);
    expect(held.route).toBe('reasoning');
    expect(loggedSession(held.replica, held.requestId)).toBe('held');
    const closing = await chat.turn(thanks);
    expect(closing.route).toBe('direct');
    expect(loggedSession(closing.replica, closing.requestId)).toBe('closing');
    const after = await chat.turn(easy);
    expect(after.route).toBe('reasoning');
    expect(loggedSession(after.replica, after.requestId)).toBe('held');
  });

  it('two turns of one session at once on two replicas: the raise to reasoning is never overwritten by the other turn', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const sessions = Array.from({ length: 12 }, (_, i) => `parallel-${i}`);
    const opening: Message[] = [{ role: 'user', content: 'hi there!' }, { role: 'assistant', content: 'Hello!' }];
    const send = async (r: Replica, session: string, messages: Message[]): Promise<string | null> =>
      (await r.client().chat.completions.create({ model: 'auto', messages }, { headers: { 'x-thinkgate-session': session } }).withResponse()).response.headers.get('x-thinkgate-route');
    for (const session of sessions) expect(await send(a, session, opening.slice(0, 1))).toBe('direct');
    // An agent's parallel calls: one turns hard on A while an easy one goes through B.
    await Promise.all(
      sessions.map(async (session) => {
        const [raised] = await Promise.all([
          send(a, session, [...opening, { role: 'user', content: hard }]),
          send(b, session, [...opening, { role: 'user', content: 'what is the capital of Japan?' }]),
        ]);
        expect(raised).toBe('reasoning');
      }),
    );
    // On one replica the two would have been decided one after the other, and the session would be on reasoning.
    for (const session of sessions) {
      const next = [...opening, { role: 'user' as const, content: hard }, { role: 'assistant' as const, content: '…' }, { role: 'user' as const, content: 'what is the capital of France?' }];
      expect(await send(b, session, next), session).toBe('reasoning');
    }
  });

  it('a new conversation under the same session starts afresh on any replica', async () => {
    const chat = roundRobin(replicas, { 'x-thinkgate-session': 'restarted' });
    expect((await chat.turn(hard)).route).toBe('reasoning');
    expect((await chat.turn('what is the capital of Japan?')).route).toBe('reasoning');
    const fresh = roundRobin(replicas.slice(2), { 'x-thinkgate-session': 'restarted' });
    const first = await fresh.turn('what is the capital of Japan?');
    expect(first.route).toBe('direct');
    expect(loggedSession(first.replica, first.requestId)).toBe('new');
  });

  it('a session ends gate.sessionTtlSeconds after its last request, on every replica (each replica\'s own copy too)', async () => {
    const chat = roundRobin(replicas, { 'x-thinkgate-session': 'short-lived' });
    expect((await chat.turn(hard)).route).toBe('reasoning');
    expect((await chat.dryRun(replicas[0]!, 'what is the capital of Japan?')).session).toMatchObject({ effect: 'held' });
    await new Promise((r) => setTimeout(r, 1_150));
    for (const r of replicas) expect((await chat.dryRun(r, 'what is the capital of Japan?')).session, r.name).toMatchObject({ effect: 'new', gateRoute: 'direct' });
    expect((await chat.turn('what is the capital of Japan?')).route).toBe('direct');
  });
});

describe.skipIf(!haveRedis)('sticky across replicas', () => {
  it('the first route holds on the other replica, also when the gate would raise it', async () => {
    const fleet = await startFleet(2, (): ConfigInput => ({ gate: { session: 'sticky' } }));
    try {
      const replicas = fleet.replicas;
      const chat = roundRobin(replicas);
      expect((await chat.turn('hi there!')).route).toBe('direct');
      expect(await chat.dryRun(replicas[1]!, hard)).toMatchObject({ route: 'direct', session: { policy: 'sticky', effect: 'held', gateRoute: 'reasoning' } });
      expect((await chat.turn(hard)).route).toBe('direct');
      expect((await chat.turn('go on')).route).toBe('direct');
    } finally {
      await fleet.close();
    }
  });
});
