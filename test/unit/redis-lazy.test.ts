import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisServerBinary, startRedis, type TestRedis } from '../support/redis.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * ioredis is ~11 MB of resident memory: a gateway without Redis must not load it, one with Redis must (and work).
 * Checked in a fresh process running the built gateway (`npm test` builds first), where the module cache is its own.
 */
function ioredisLoaded(config: Record<string, unknown>): { loaded: boolean; status: number } {
  const script = `
    import { createRequire } from 'node:module';
    const { buildApp } = await import(${JSON.stringify(`${ROOT}dist/app.js`)});
    const { parseConfig } = await import(${JSON.stringify(`${ROOT}dist/config/load.js`)});
    const app = await buildApp(parseConfig(${JSON.stringify(config)}));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch('http://127.0.0.1:' + app.server.address().port + '/v1/chat/completions', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', temperature: 0, messages: [{ role: 'user', content: 'hello' }] }),
    });
    await res.text();
    const cache = createRequire(import.meta.url).cache;
    process.stdout.write(JSON.stringify({ loaded: Object.keys(cache).some((k) => k.includes('/node_modules/ioredis/')), status: res.status }));
    await app.close();`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })) as { loaded: boolean; status: number };
}

describe('ioredis is loaded only when Redis is configured', () => {
  let redis: TestRedis | undefined;
  beforeAll(async () => {
    if (redisServerBinary() !== undefined) redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('not loaded without Redis (demo upstreams, memory cache and ledger)', () => {
    expect(ioredisLoaded({ log: { level: 'silent' } })).toEqual({ loaded: false, status: 200 });
  });

  it.skipIf(redisServerBinary() === undefined)('loaded, and serving, with redis.url set', () => {
    expect(ioredisLoaded({ log: { level: 'silent' }, redis: { url: redis?.url } })).toEqual({ loaded: true, status: 200 });
  });
});
