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
});
