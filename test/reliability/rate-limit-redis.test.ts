import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { chatBody, fastUpstreams, post } from './support.js';

const REDIS = '/usr/bin/redis-server';

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** Two replicas sharing one Redis: the per-key limit is fleet-wide. Skipped where no redis-server is installed. */
describe.skipIf(!existsSync(REDIS))('rate limit with the Redis store', () => {
  let redis: ChildProcess;
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    const port = await freePort();
    redis = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const sock = createServer();
        sock.once('error', () => resolve(true));
        sock.listen(port, '127.0.0.1', () => sock.close(() => resolve(false)));
      });
      if (up) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const config = (f: Parameters<typeof fastUpstreams>[0]) => ({
      upstreams: fastUpstreams(f),
      auth: { apiKeys: ['sk-shared'] },
      redis: { url: `redis://127.0.0.1:${port}`, keyPrefix: `tg-test-${port}:` },
      limits: { rateLimit: { max: 3, timeWindowMs: 60_000 } },
    });
    a = await startGateway(config);
    b = await startGateway(config);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    redis?.kill();
  });

  it('counts requests of one key across replicas', async () => {
    const auth = { authorization: 'Bearer sk-shared' };
    expect((await post(a, '/v1/chat/completions', chatBody('thinkgate-direct'), auth)).status).toBe(200);
    expect((await post(b, '/v1/chat/completions', chatBody('thinkgate-direct'), auth)).status).toBe(200);
    expect((await post(a, '/v1/chat/completions', chatBody('thinkgate-direct'), auth)).status).toBe(200);
    const over = await post(b, '/v1/chat/completions', chatBody('thinkgate-direct'), auth);
    expect(over.status).toBe(429);
    expect((over.json as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
  });
});
