import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { redisServerBinary, startRedis, type TestRedis } from '../support/redis.js';
import { RedisSessionStore, resolveSession } from '../../src/gate/session-store.js';
import type { FreshDecision } from '../../src/gate/session.js';

const haveRedis = redisServerBinary() !== undefined;
if (!haveRedis) console.warn('session-redis tests skipped: redis-server is not installed (apt-get install redis-server; CI installs it)');

const PREFIX = 'tgsess:session:';
const direct: FreshDecision = { route: 'direct', closing: false };
const reasoning: FreshDecision = { route: 'reasoning', effort: 'high', closing: false };
const conversation = [
  { role: 'user', content: 'Prove that the square root of 2 is irrational.' },
  { role: 'assistant', content: 'Suppose …' },
  { role: 'user', content: 'what is the capital of Japan?' },
];

describe.skipIf(!haveRedis)('session store on Redis (real redis-server)', () => {
  let redis: TestRedis;
  let inspect: Redis;
  let a: RedisSessionStore;
  let b: RedisSessionStore;
  const store = (ttlSeconds = 1800): RedisSessionStore => new RedisSessionStore({ url: redis.url, keyPrefix: PREFIX, ttlSeconds, commandTimeoutMs: 500 });

  beforeAll(async () => {
    redis = await startRedis();
    inspect = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await inspect.connect();
    a = store();
    b = store();
    expect(await a.waitReady(5_000)).toBe(true);
    expect(await b.waitReady(5_000)).toBe(true);
  });
  afterAll(async () => {
    inspect.disconnect();
    await Promise.all([a.close(), b.close()]);
    await redis.stop();
  });

  it('a session raised to reasoning on one replica is held there on another', async () => {
    const first = await resolveSession('up-only', a, { messages: conversation.slice(0, 1), header: 'fleet-1' }, reasoning);
    expect(first).toMatchObject({ route: 'reasoning', effect: 'new', keySource: 'header' });
    await new Promise((r) => setTimeout(r, 50)); // the write is not awaited by resolveSession
    const stored = await inspect.get(`${PREFIX}-:header:fleet-1`);
    expect(JSON.parse(stored ?? 'null')).toMatchObject({ route: 'reasoning', effort: 'high', turns: 1 });
    const ttl = await inspect.pttl(`${PREFIX}-:header:fleet-1`);
    expect(ttl).toBeGreaterThan(1_790_000);
    expect(ttl).toBeLessThanOrEqual(1_800_000);
    const second = await resolveSession('up-only', b, { messages: conversation, header: 'fleet-1' }, direct);
    expect(second).toMatchObject({ route: 'reasoning', effort: 'high', effect: 'held', state: { turns: 2 } });
  });

  it('expires with the TTL', async () => {
    const short = store(1);
    expect(await short.waitReady(5_000)).toBe(true);
    await short.set('-:header:brief', { route: 'reasoning', turns: 1 });
    expect(await short.get('-:header:brief')).toMatchObject({ route: 'reasoning' });
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await short.get('-:header:brief')).toBeUndefined();
    await short.close();
  });

  it('a corrupt stored value reads as no session', async () => {
    await inspect.set(`${PREFIX}-:header:corrupt`, '{"route":');
    expect(await a.get('-:header:corrupt')).toBeUndefined();
    const result = await resolveSession('up-only', a, { messages: conversation, header: 'corrupt' }, direct);
    expect(result).toMatchObject({ route: 'direct', effect: 'new' });
  });
});

describe('session store with no Redis at all', () => {
  it('answers at once from this replica\'s own memory, never throws, and warns once', async () => {
    const warnings: string[] = [];
    const log = { warn: (_fields: Record<string, unknown>, message: string) => warnings.push(message), info: () => {} };
    const orphan = new RedisSessionStore({ url: 'redis://127.0.0.1:1', keyPrefix: PREFIX, ttlSeconds: 60, commandTimeoutMs: 100, log });
    expect(await orphan.waitReady(200)).toBe(false);
    expect(await orphan.get('-:header:x')).toBeUndefined();
    await orphan.set('-:header:x', { route: 'reasoning', turns: 1 });
    // The state this replica wrote holds; a session it never saw starts afresh.
    expect(await resolveSession('up-only', orphan, { messages: conversation, header: 'x' }, direct)).toMatchObject({ route: 'reasoning', effect: 'held' });
    expect(await resolveSession('up-only', orphan, { messages: conversation, header: 'y' }, reasoning)).toMatchObject({ route: 'reasoning', effect: 'new' });
    expect(orphan.stats().errors).toBeGreaterThan(0);
    expect(warnings).toEqual(["sessions: redis unavailable, session affinity from this replica's own memory"]);
    await orphan.close();
  });
});
