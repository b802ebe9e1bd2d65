import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisServerBinary } from '../support/redis.js';
import { startFleet, type Fleet, type Replica } from '../support/fleet.js';

/**
 * The Responses API across a fleet: stored responses are shared through Redis, so a conversation chained with
 * `previous_response_id` may continue on any replica, keeps its session's route there, and `store: false` keeps
 * nothing anywhere. Real redis-server, the official `openai` SDK.
 */

const haveRedis = redisServerBinary() !== undefined;
if (!haveRedis) console.warn('fleet Responses tests skipped: redis-server is not installed (apt-get install redis-server; CI installs it)');

const hard = 'Prove that for every integer n, n^3 - n is divisible by 6.';

describe.skipIf(!haveRedis)('Responses API across two replicas', () => {
  let fleet: Fleet;
  let a: Replica;
  let b: Replica;
  beforeAll(async () => {
    fleet = await startFleet(2);
    [a, b] = fleet.replicas as [Replica, Replica];
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it('a response streamed by A is continued on B the moment A announced it complete; B lists its input items', async () => {
    for (let i = 0; i < 5; i++) {
      let id = '';
      for await (const event of await a.client().responses.create({ model: 'thinkgate-direct', input: `streamed ${i}`, stream: true })) {
        if (event.type === 'response.completed') id = event.response.id;
      }
      const next = await b.client().responses.create({ model: 'thinkgate-direct', input: `follow-up ${i}`, previous_response_id: id });
      expect(next.output_text).toBe(`echo: follow-up ${i}`);
      const sent = fleet.direct.chatRequests().at(-1)!.body as { messages: { role: string; content: unknown }[] };
      expect(sent.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
      const items = await b.client().responses.inputItems.list(next.id);
      expect(items.data).toHaveLength(1);
      expect((await a.client().responses.retrieve(next.id)).output_text).toBe(`echo: follow-up ${i}`);
    }
  });

  it('a chain raised to reasoning on A stays on reasoning when continued on B', async () => {
    const first = await a.client().responses.create({ model: 'auto', input: hard, prompt_cache_key: 'responses-fleet' }).withResponse();
    expect(first.response.headers.get('x-thinkgate-route')).toBe('reasoning');
    const next = await b.client().responses.create({ model: 'auto', input: 'what is the capital of Japan?', previous_response_id: first.data.id, prompt_cache_key: 'responses-fleet' }).withResponse();
    expect(next.response.headers.get('x-thinkgate-route')).toBe('reasoning');
    const alone = await b.client().responses.create({ model: 'auto', input: 'what is the capital of Japan?', store: false }).withResponse();
    expect(alone.response.headers.get('x-thinkgate-route')).toBe('direct');
  });

  it('store: false is kept by no replica; a cache hit on B is a new stored response A can continue', async () => {
    const unstored = await a.client().responses.create({ model: 'thinkgate-direct', input: 'forget me', store: false });
    for (const r of [a, b]) {
      await expect(r.client().responses.retrieve(unstored.id)).rejects.toMatchObject({ status: 404 });
      await expect(r.client().responses.create({ model: 'thinkgate-direct', input: 'and?', previous_response_id: unstored.id })).rejects.toMatchObject({
        status: 404,
        error: { code: 'previous_response_not_found', param: 'previous_response_id' },
      });
    }
    const asked = { model: 'thinkgate-direct', input: 'cached in the fleet', temperature: 0 };
    const miss = await a.client().responses.create(asked).withResponse();
    const hit = await b.client().responses.create(asked).withResponse();
    expect(hit.response.headers.get('x-thinkgate-cache')).toBe('hit');
    expect(hit.data.id).not.toBe(miss.data.id);
    expect(hit.data.output_text).toBe(miss.data.output_text);
    const next = await a.client().responses.create({ model: 'thinkgate-direct', input: 'continued', previous_response_id: hit.data.id });
    expect(next.output_text).toBe('echo: continued');
  });
});
