import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisServerBinary } from '../support/redis.js';
import { lastUserContent } from '../support/fake-upstream.js';
import { startFleet, type Fleet, type Replica } from '../support/fleet.js';

/**
 * The result cache across a fleet: two replicas built from one configuration, sharing one real redis-server, in
 * front of the same fake upstreams, asked with the official `openai` SDK. What one replica answered, the other
 * serves; what one replica refreshed, the other serves refreshed.
 */

const haveRedis = redisServerBinary() !== undefined;
if (!haveRedis) console.warn('fleet cache tests skipped: redis-server is not installed (apt-get install redis-server; CI installs it)');

const ask = (content: string) => ({ model: 'thinkgate-reasoning', temperature: 0, messages: [{ role: 'user' as const, content }] });

async function streamed(replica: Replica, content: string): Promise<string> {
  let text = '';
  for await (const chunk of await replica.client().chat.completions.create({ ...ask(content), stream: true })) text += chunk.choices[0]?.delta.content ?? '';
  return text;
}

describe.skipIf(!haveRedis)('result cache across replicas (real redis-server, two replicas)', () => {
  let fleet: Fleet;
  let a: Replica;
  let b: Replica;
  beforeAll(async () => {
    fleet = await startFleet(2, () => ({ cache: { compressAboveBytes: 256 } }));
    [a, b] = fleet.replicas as [Replica, Replica];
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it('an answer streamed by A is a hit on B as soon as A\'s stream has ended, and the other way round', async () => {
    // Long enough to be deflated before it is written to Redis (the slow path of a store).
    const long = ' and a long tail worth compressing'.repeat(120);
    fleet.reasoning.scenario = (body) => ({ kind: 'answer', answer: { content: `${lastUserContent(body)}${long}`, chunkSize: 512 } });
    for (let i = 0; i < 12; i++) {
      const first = await streamed(a, `streamed on A ${i}`);
      const calls = fleet.reasoning.chatRequests().length;
      const second = await b.client().chat.completions.create(ask(`streamed on A ${i}`)).withResponse();
      expect(second.response.headers.get('x-thinkgate-cache'), `request ${i}`).toBe('hit');
      expect(second.data.choices[0]!.message.content).toBe(first);
      expect(fleet.reasoning.chatRequests().length).toBe(calls);
    }
    for (let i = 0; i < 6; i++) {
      const first = await a.client().chat.completions.create(ask(`json on A ${i}`));
      expect(await streamed(b, `json on A ${i}`)).toBe(first.choices[0]!.message.content);
    }
    expect(b.app.thinkgate.cache.stats().hits).toBeGreaterThanOrEqual(18);
  });

  it('Cache-Control on one replica is honoured by the other: a refresh (no-cache, max-age=0) replaces what both serve; no-store stores nothing', async () => {
    let version = 1;
    fleet.reasoning.scenario = () => ({ kind: 'answer', answer: { content: `version ${version}` } });
    const content = async (r: Replica, headers: Record<string, string> = {}): Promise<[string | null, string | null]> => {
      const res = await r.client().chat.completions.create(ask('refreshed question'), { headers }).withResponse();
      return [res.data.choices[0]!.message.content, res.response.headers.get('x-thinkgate-cache')];
    };
    expect(await content(a)).toEqual(['version 1', 'miss']);
    // Both replicas now hold version 1 in their near-caches.
    expect(await content(b)).toEqual(['version 1', 'hit']);
    expect(await content(a)).toEqual(['version 1', 'hit']);

    version = 2;
    expect(await content(b, { 'cache-control': 'no-cache' })).toEqual(['version 2', 'miss']);
    expect(await content(a)).toEqual(['version 2', 'hit']);
    expect(await content(b)).toEqual(['version 2', 'hit']);

    version = 3;
    expect(await content(a, { 'cache-control': 'max-age=0' })).toEqual(['version 3', 'miss']);
    expect(await content(b)).toEqual(['version 3', 'hit']);
    expect(await content(a)).toEqual(['version 3', 'hit']);

    version = 4;
    expect(await content(b, { 'cache-control': 'no-store' })).toEqual(['version 4', 'bypass']);
    expect(await content(a)).toEqual(['version 3', 'hit']);
    expect(await content(b)).toEqual(['version 3', 'hit']);
  });

  it('identical requests at A and B at once: every client gets a whole answer, then both replicas serve the same one', async () => {
    let n = 0;
    fleet.reasoning.scenario = () => ({ kind: 'answer', answer: { content: `answer number ${++n}, whole` }, delayMs: 80, chunkDelayMs: 2 });
    const calls = fleet.reasoning.chatRequests().length;
    const answers = await Promise.all(
      [a, b, a, b, a, b].map(async (r, i) => (i < 2 ? (await r.client().chat.completions.create(ask('at once'))).choices[0]!.message.content : streamed(r, 'at once'))),
    );
    for (const answer of answers) expect(answer).toMatch(/^answer number [12], whole$/);
    // Coalescing is per replica: at most one upstream call each.
    expect(fleet.reasoning.chatRequests().length - calls).toBeLessThanOrEqual(2);
    const served = await Promise.all([a, b].map(async (r) => (await r.client().chat.completions.create(ask('at once'))).choices[0]!.message.content));
    expect(served[0]).toBe(served[1]);
  });

  it('a stream its client left half-way on A, and a failure on A, are not stored for B to serve', async () => {
    fleet.reasoning.scenario = (body) => ({ kind: 'answer', answer: { content: `slow ${lastUserContent(body)} `.repeat(40) }, chunkDelayMs: 5 });
    const controller = new AbortController();
    let chunks = 0;
    let text = '';
    try {
      for await (const chunk of await a.client().chat.completions.create({ ...ask('left half-way'), stream: true }, { signal: controller.signal })) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (++chunks === 3) controller.abort();
      }
    } catch {
      // The SDK may raise its abort error or just end the iteration.
    }
    expect(text.length).toBeLessThan(40);
    // A has seen its client leave and ended the request (the upstream call aborted).
    for (let i = 0; i < 100 && a.app.thinkgate.cache.flights.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 10));
    // Direct, which has no fallback by default: the failure reaches the client.
    const direct = (content: string) => ({ ...ask(content), model: 'thinkgate-direct' });
    const directBefore = fleet.direct.scenario;
    fleet.direct.scenario = () => ({ kind: 'status', status: 500, body: { error: { message: 'upstream broke', type: 'server_error' } } });
    await expect(a.client().chat.completions.create(direct('failed on A'))).rejects.toMatchObject({ status: 500 });
    fleet.direct.scenario = directBefore;
    const failed = await b.client().chat.completions.create(direct('failed on A')).withResponse();
    expect(failed.response.headers.get('x-thinkgate-cache')).toBe('miss');
    expect(failed.data.choices[0]!.message.content).toBe('echo: failed on A');
    fleet.reasoning.scenario = (body) => ({ kind: 'answer', answer: { content: `fresh ${lastUserContent(body)}` } });
    for (const question of ['left half-way']) {
      const res = await b.client().chat.completions.create(ask(question)).withResponse();
      expect(res.response.headers.get('x-thinkgate-cache'), question).toBe('miss');
      expect(res.data.choices[0]!.message.content).toBe(`fresh ${question}`);
    }
  });

  it('an entry read from Redis by another replica expires there when it expires in Redis (cache.ttlSeconds), not a near-cache TTL later', async () => {
    const short = await startFleet(2, () => ({ cache: { ttlSeconds: 2, nearCacheTtlSeconds: 60 } }));
    try {
      const [x, y] = short.replicas as [Replica, Replica];
      let version = 1;
      short.reasoning.scenario = () => ({ kind: 'answer', answer: { content: `version ${version}` } });
      const content = async (r: Replica): Promise<[string | null, string | null]> => {
        const res = await r.client().chat.completions.create(ask('short-lived')).withResponse();
        return [res.data.choices[0]!.message.content, res.response.headers.get('x-thinkgate-cache')];
      };
      expect(await content(x)).toEqual(['version 1', 'miss']);
      await new Promise((r) => setTimeout(r, 1_200));
      // Read from Redis with 0.8 s of its 2 s left.
      expect(await content(y)).toEqual(['version 1', 'hit']);
      await new Promise((r) => setTimeout(r, 1_100));
      version = 2;
      expect(await content(y)).toEqual(['version 2', 'miss']);
    } finally {
      await short.close();
    }
  });
});
