import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream.js';
import { DIRECT_KEY, REASONING_KEY } from './gateway.js';
import { startRedis, type TestRedis } from './redis.js';

/**
 * A fleet as users run one: several gateway replicas built by `buildApp(config)` from the same configuration, on
 * port 0, sharing one real redis-server and one pair of fake upstreams (so the upstreams' request logs count the
 * fleet's calls), each with an official `openai` SDK client. Every replica's log lines are captured as JSON.
 */

export interface Replica {
  name: string;
  app: FastifyInstance;
  url: string;
  /** The JSON log lines this replica wrote (level info and above unless the config says otherwise). */
  logs: Record<string, unknown>[];
  client(apiKey?: string): OpenAI;
}

export interface Fleet {
  /** The running redis-server; a test that restarts it assigns the new one here, and `close()` stops that one. */
  redis: TestRedis;
  reasoning: FakeUpstream;
  direct: FakeUpstream;
  replicas: Replica[];
  /** Every replica's log lines that carry `msg` (or match it). */
  warnings(): { replica: string; msg: string; level: number }[];
  close(): Promise<void>;
}

/** A pino logger writing parsed JSON lines into `into`. */
function capturingLogger(into: Record<string, unknown>[], level: string): pino.Logger {
  const sink = new Writable({
    write(buf: Buffer, _encoding, done) {
      for (const line of buf.toString().split('\n')) if (line.trim() !== '') into.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level }, sink);
}

/**
 * Starts redis-server, two fake upstreams and `size` replicas. `overrides(redisUrl)` is merged over the shared
 * base configuration (one object for all replicas, as one config file or ConfigMap is). Closes everything it
 * started if any start fails.
 */
export async function startFleet(size: number, overrides: (redisUrl: string) => ConfigInput = () => ({}), opts: { logLevel?: string } = {}): Promise<Fleet> {
  const redis = await startRedis();
  const reasoning = await startFakeUpstream({ model: 'fake-reasoner', reasoning: 'Let me think: step one, step two.' });
  const direct = await startFakeUpstream({ model: 'fake-chat' });
  const replicas: Replica[] = [];
  // `fleet.redis` is replaced by a test that restarts Redis: the one running at the end is the one stopped (the
  // first one too, in case the test never stopped it).
  const servers = { current: redis };
  const close = async (): Promise<void> => {
    await Promise.all(replicas.map((r) => r.app.close()));
    await Promise.all([reasoning.close(), direct.close(), redis.stop(), servers.current.stop()]);
  };
  try {
    const extra = overrides(redis.url);
    const retry = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, budgetMs: 2_000 };
    const raw: ConfigInput = {
      server: { port: 0, host: '127.0.0.1' },
      ...extra,
      upstreams: {
        reasoning: { baseUrl: reasoning.url, model: 'fake-reasoner', apiKey: REASONING_KEY, retry },
        direct: { baseUrl: direct.url, model: 'fake-chat', apiKey: DIRECT_KEY, retry },
        ...(extra.upstreams ?? {}),
      },
      redis: { url: redis.url, keyPrefix: 'fleet:', ...(extra.redis ?? {}) },
      // One test process runs the clients and every replica on one event loop: lag shedding would be noise here.
      limits: { maxEventLoopDelayMs: 0, ...(extra.limits ?? {}) },
    };
    const config = parseConfig(raw);
    for (let i = 0; i < size; i++) {
      const logs: Record<string, unknown>[] = [];
      const app = await buildApp(config, { logger: capturingLogger(logs, opts.logLevel ?? 'info') });
      replicas.push({ name: String.fromCharCode(65 + i), app, url: '', logs, client: () => undefined as unknown as OpenAI });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
      const replica = replicas[i]!;
      replica.url = url;
      replica.client = (apiKey = 'sk-client') => new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0, timeout: 10_000 });
    }
    // The session stores connect in the background: a replica answers before they are ready, as "no session".
    for (const r of replicas) await r.app.thinkgate.sessions?.waitReady(5_000);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    get redis() {
      return servers.current;
    },
    set redis(next: TestRedis) {
      servers.current = next;
    },
    reasoning,
    direct,
    replicas,
    warnings: () =>
      replicas.flatMap((r) => r.logs.filter((l) => typeof l['level'] === 'number' && (l['level'] as number) >= 40).map((l) => ({ replica: r.name, msg: String(l['msg']), level: l['level'] as number }))),
    close,
  };
}
