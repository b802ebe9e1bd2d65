import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startGateway, type TestGateway } from './support/gateway.js';
import { redisServerBinary, startRedis, type TestRedis } from './support/redis.js';
import { CompletionAssembler } from '../src/core/fold.js';
import type { ChatCompletionChunk } from '../src/core/types.js';

const haveRedis = redisServerBinary() !== undefined;
if (!haveRedis) console.warn('cache-redis tests skipped: redis-server is not installed (apt-get install redis-server; CI installs it)');

const PREFIX = 'tgtest:';
const ask = (content: string) => ({ model: 'thinkgate-reasoning', temperature: 0, messages: [{ role: 'user' as const, content }] });

async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!haveRedis)('result cache on Redis (real redis-server)', () => {
  let redis: TestRedis;
  let inspect: Redis;
  let a: TestGateway;
  let b: TestGateway;
  const gateway = (): Promise<TestGateway> =>
    startGateway(() => ({ redis: { url: redis.url, keyPrefix: PREFIX }, cache: { store: 'redis', compressAboveBytes: 256 } }));
  const cacheKeys = (): Promise<string[]> => inspect.keys(`${PREFIX}cache:*`);

  beforeAll(async () => {
    redis = await startRedis();
    inspect = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await inspect.connect();
    [a, b] = await Promise.all([gateway(), gateway()]);
  });
  afterAll(async () => {
    inspect.disconnect();
    await Promise.all([a.close(), b.close()]);
    await redis.stop();
  });

  it('instance B serves the answer instance A cached, as JSON and as a replayed stream', async () => {
    const long = 'A long answer that is worth compressing. '.repeat(20);
    a.reasoning.scenario = () => ({ kind: 'answer', answer: { content: long, reasoning: 'Think about it at length. '.repeat(10) } });
    const first = await a.client().chat.completions.create(ask('shared question')).withResponse();
    expect(first.response.headers.get('x-thinkgate-cache')).toBe('miss');
    await until(async () => (await cacheKeys()).length === 1, 'the entry in redis');
    const [key] = await cacheKeys();
    expect(key).toMatch(new RegExp(`^${PREFIX}cache:reasoning:[0-9a-f]{64}$`));
    const raw = await inspect.getBuffer(key!);
    expect(raw![0]).toBe(2); // deflated: the value is above compressAboveBytes
    expect(raw!.length).toBeLessThan(long.length);
    const ttl = await inspect.pttl(key!);
    expect(ttl).toBeGreaterThan(3_000_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);

    const fromB = await b.client().chat.completions.create(ask('shared question')).withResponse();
    expect(fromB.response.headers.get('x-thinkgate-cache')).toBe('hit');
    expect(fromB.data).toEqual(first.data);
    expect(b.reasoning.chatRequests()).toHaveLength(0);

    const stream = await b.client().chat.completions.create({ ...ask('shared question'), stream: true });
    const assembler = new CompletionAssembler();
    for await (const chunk of stream) assembler.add(chunk as unknown as ChatCompletionChunk);
    const replayed = assembler.result();
    expect(assembler.chunkCount).toBeGreaterThan(5);
    expect(replayed.choices[0]!.message.content).toBe(long);
    expect(replayed.choices[0]!.message.reasoning_content).toBe((first.data.choices[0]!.message as { reasoning_content?: string }).reasoning_content);
    expect(b.reasoning.chatRequests()).toHaveLength(0);
    expect(b.app.thinkgate.cache.stats().redis?.up).toBe(true);
  });

  it('keeps serving when Redis stops mid-test: no client error, cache bypassed, failure counted', async () => {
    await a.client().chat.completions.create(ask('before the outage'));
    await until(async () => (await cacheKeys()).length === 2, 'the second entry');
    inspect.disconnect();
    await redis.stop();
    await until(async () => !b.app.thinkgate.cache.stats().redis!.up, 'B to notice');

    for (let i = 0; i < 3; i++) {
      const res = await b.client().chat.completions.create(ask(`during the outage ${i}`)).withResponse();
      expect(res.data.choices[0]!.message.content).toBe(`echo: during the outage ${i}`);
      expect(res.response.headers.get('x-thinkgate-cache')).toBe('bypass');
    }
    const streamed = await b.client().chat.completions.create({ ...ask('streamed during the outage'), stream: true });
    let text = '';
    for await (const chunk of streamed) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('echo: streamed during the outage');
    // A's near-cache still holds what A stored itself.
    const near = await a.client().chat.completions.create(ask('before the outage')).withResponse();
    expect(near.response.headers.get('x-thinkgate-cache')).toBe('hit');
    const stats = b.app.thinkgate.cache.stats();
    expect(stats.redis?.errors).toBeGreaterThan(0);
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/^thinkgate_cache_redis_up 0$/m);
    expect(metrics).toMatch(/^thinkgate_cache_redis_errors_total [1-9]\d*$/m);
    expect(stats.bypasses).toBeGreaterThanOrEqual(4);
  });
});

describe('RedisStore with no Redis at all', () => {
  it('answers unavailable, counts failures and logs them once per interval', async () => {
    const { RedisStore } = await import('../src/cache/redis-store.js');
    const warnings: unknown[] = [];
    const log = { warn: (...args: unknown[]) => warnings.push(args), info: () => {} } as unknown as ConstructorParameters<typeof RedisStore>[0]['log'];
    // Port 1 on loopback: nothing listens there, every connection attempt is refused.
    const store = new RedisStore({
      url: 'redis://127.0.0.1:1',
      keyPrefix: 'x:',
      ttlSeconds: 60,
      nearCacheMaxBytes: 1 << 20,
      nearCacheTtlSeconds: 60,
      compressAboveBytes: 1024,
      commandTimeoutMs: 100,
      log,
      warnIntervalMs: 60_000,
    });
    try {
      expect(await store.waitReady(50)).toBe(false);
      expect(await store.get('k')).toBe('unavailable');
      await until(async () => (store.stats().redis?.errors ?? 0) >= 2, 'two failed connection attempts');
      expect(warnings).toHaveLength(1);
      // Writes still land in the near-cache, which keeps serving this replica.
      await store.set('k', { tier: 'direct', json: '{}', storedAt: 0 });
      expect(await store.get('k')).toEqual({ tier: 'direct', json: '{}', storedAt: 0 });
    } finally {
      await store.close();
    }
  });
});
