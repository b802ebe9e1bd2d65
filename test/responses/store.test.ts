import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryResponsesStore, type StoredResponse } from '../../src/apis/responses/store.js';
import { inputItemsPage, storedInput } from '../../src/apis/responses/state.js';
import { redisServerBinary, startRedis, type TestRedis } from '../support/redis.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { assertValidItemList } from '../support/responses-schema.js';
import type { ResponseObject } from '../../src/apis/responses/types.js';

/** Stored responses: memory (bytes, TTL, LRU) and Redis (shared by replicas), and the input_items page. */

const response = (id: string, text = 'x'): ResponseObject =>
  ({ id, object: 'response', output: [{ type: 'message', id: `msg_${id}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] }] }) as unknown as ResponseObject;
const stored = (id: string, text?: string): StoredResponse => ({ response: response(id, text), history: [], input: [], route: 'direct' });

describe('memory store', () => {
  it('is scoped by tenant, evicts the least recently used past its bytes, and forgets after its TTL', async () => {
    let now = 1_000;
    {
      const store = new MemoryResponsesStore(6_000, 60, { now: () => now });
      await store.put('t1', 'resp_a', stored('resp_a', 'a'.repeat(1_000)));
      expect(await store.get('t2', 'resp_a')).toBeNull();
      expect((await store.get('t1', 'resp_a'))?.response.id).toBe('resp_a');
      await store.put('t1', 'resp_b', stored('resp_b', 'b'.repeat(1_000)));
      await store.get('t1', 'resp_a');
      await store.put('t1', 'resp_c', stored('resp_c', 'c'.repeat(1_000)));
      // a was read after b was written: b is the least recently used and goes first.
      expect(await store.get('t1', 'resp_b')).toBeNull();
      expect(await store.get('t1', 'resp_a')).not.toBeNull();
      now += 61_000;
      expect(await store.get('t1', 'resp_a')).toBeNull();
      expect(await store.delete('t1', 'resp_c')).toBe(false);
    }
  });
});

describe('input_items', () => {
  const items = storedInput(
    [
      { type: 'message', role: 'user', content: 'one' },
      { type: 'message', role: 'assistant', content: 'two' },
      { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c', output: 'three' },
    ],
    'abc',
  );
  const s: StoredResponse = { ...stored('resp_x'), input: items };

  it('lists items with ids in their ResponseItem shapes, newest first by default, paged with limit and after', () => {
    const page = inputItemsPage(s, {});
    assertValidItemList(page);
    expect((page.data as Array<{ type: string }>).map((i) => i.type)).toEqual(['function_call_output', 'function_call', 'message', 'message']);
    const asc = inputItemsPage(s, { order: 'asc', limit: '2' });
    expect(asc).toMatchObject({ first_id: 'msg_abci0', last_id: 'msg_abci1', has_more: true });
    const next = inputItemsPage(s, { order: 'asc', limit: '2', after: 'msg_abci1' });
    expect(next).toMatchObject({ first_id: 'fc_abci2', last_id: 'fco_abci3', has_more: false });
    expect(() => inputItemsPage(s, { limit: '0' })).toThrow(/limit/);
    expect(() => inputItemsPage(s, { order: 'sideways' })).toThrow(/order/);
  });
});

const haveRedis = redisServerBinary() !== undefined;

describe.skipIf(!haveRedis)('stored responses on Redis (real redis-server): two replicas share them', () => {
  let redis: TestRedis;
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    redis = await startRedis();
    const cfg = () => ({ redis: { url: redis.url }, cache: { store: 'redis' as const } });
    a = await startGateway(cfg);
    b = await startGateway(cfg);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await redis.stop();
  });

  it('a response stored by one replica is read, continued and deleted through the other', async () => {
    const created = await a.client().responses.create({ model: 'thinkgate-direct', input: 'remember me' });
    expect((await b.client().responses.retrieve(created.id)).output_text).toBe('echo: remember me');
    const next = await b.client().responses.create({ model: 'thinkgate-direct', previous_response_id: created.id, input: 'and now?' });
    expect((b.direct.chatRequests().at(-1)?.body as { messages: unknown[] }).messages).toHaveLength(3);
    await a.client().responses.delete(next.id);
    await expect(b.client().responses.retrieve(next.id)).rejects.toMatchObject({ status: 404 });
  });
});

describe('stored responses with Redis unreachable', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // A port nothing listens on: the store cannot answer, the gateway must still serve.
    gw = await startGateway(() => ({ redis: { url: 'redis://127.0.0.1:1' }, cache: { store: 'redis' as const } }));
  });
  afterAll(() => gw.close());

  it('answers anyway; reading a stored response is a 503 that says what to do, never a 500', async () => {
    const created = await gw.client().responses.create({ model: 'thinkgate-direct', input: 'no store today' });
    expect(created.output_text).toBe('echo: no store today');
    const res = await fetch(`${gw.url}/v1/responses/${created.id}`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('response_store_unavailable');
    expect(body.error.message).toContain('store: false');
  });
});
