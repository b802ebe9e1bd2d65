import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACT_PATHS } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { toOpenAIError } from '../../src/errors.js';
import { KeyRing, requireAdmin } from '../../src/http/auth.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { DIRECT_KEY, REASONING_KEY, startGateway, type TestGateway } from '../support/gateway.js';
import { chatBody, fastUpstreams, isOpenAIError, post } from './support.js';

describe('SSRF: the upstream is chosen by config only', () => {
  let gw: TestGateway;
  let evil: FakeUpstream;
  beforeAll(async () => {
    evil = await startFakeUpstream({ model: 'evil' });
    gw = await startGateway((f) => ({ upstreams: fastUpstreams(f) }));
  });
  afterAll(async () => {
    await gw.close();
    await evil.close();
  });

  it('body fields and headers naming another host never redirect the call', async () => {
    const evilHost = `127.0.0.1:${evil.port}`;
    const before = gw.direct.chatRequests().length;
    const res = await post(
      gw,
      '/v1/chat/completions',
      { ...chatBody('thinkgate-direct'), base_url: evil.url, baseURL: evil.url, api_base: evil.url, url: evil.url, endpoint: evil.url },
      { host: evilHost, 'x-forwarded-host': evilHost, 'x-forwarded-for': '127.0.0.1', forwarded: `host=${evilHost}`, 'x-original-url': evil.url },
    );
    expect(res.status).toBe(200);
    expect(gw.direct.chatRequests().length).toBe(before + 1);
    expect(evil.requests).toHaveLength(0);
  });

  it('a model name that is a URL is just a name', async () => {
    const res = await post(gw, '/v1/chat/completions', chatBody(evil.url));
    expect(res.status).toBe(200);
    expect(evil.requests).toHaveLength(0);
  });

  it('pass-through paths cannot name another host', async () => {
    for (const path of [`/v1//127.0.0.1:${evil.port}/v1/models`, `/v1/..%2f..%2f127.0.0.1:${evil.port}/x`, `/v1/@127.0.0.1:${evil.port}/x`]) {
      await fetch(`${gw.url}${path}`, { headers: { authorization: 'Bearer sk-client' } });
    }
    expect(evil.requests).toHaveLength(0);
  });
});

describe('logs carry no prompt text and no key by default', () => {
  it('captures every log line of normal, failing and unauthorised requests', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const prompt = 'my secret diagnosis is 4242-SENSITIVE';
    const gw = await startGateway((f) => ({ upstreams: fastUpstreams(f), auth: { apiKeys: ['sk-client-key-abcdef'], adminKeys: ['sk-admin-key-123456'] }, log: { level: 'trace' } }), {
      logger: { level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' }, stream: sink },
    });
    try {
      const client = gw.client('sk-client-key-abcdef');
      await client.chat.completions.create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: prompt }] });
      const s = await client.chat.completions.create({ model: 'thinkgate-direct', stream: true, messages: [{ role: 'user', content: prompt }] });
      for await (const chunk of s) void chunk;
      // An upstream failure that echoes its key: logged at error level, still without the key.
      gw.direct.scenario = () => ({ kind: 'status', status: 500, body: { error: { message: `bad key ${DIRECT_KEY} for ${prompt}`, type: 'server_error' } } });
      await post(gw, '/v1/chat/completions', chatBody('thinkgate-direct', prompt), { authorization: 'Bearer sk-client-key-abcdef' });
      await post(gw, '/v1/chat/completions', chatBody('thinkgate-direct', prompt), { authorization: 'Bearer sk-wrong-key-999999' });
      await post(gw, '/v1/chat/completions', chatBody('thinkgate-direct', prompt), { authorization: 'Bearer sk-admin-key-123456' });
    } finally {
      await gw.close();
    }
    const log = lines.join('');
    expect(log).toContain('chat request');
    for (const secret of [prompt, '4242-SENSITIVE', 'sk-client-key-abcdef', 'sk-admin-key-123456', 'sk-wrong-key-999999', REASONING_KEY, DIRECT_KEY]) {
      expect(log).not.toContain(secret);
    }
  });
});

describe('requireAdmin: one constant-time KeyRing check for routes outside /v1 too', () => {
  const build = async (keys: KeyRing, opts: { public?: boolean } = {}) => {
    const app = Fastify();
    app.decorateRequest('tenant', 'anonymous');
    app.decorateRequest('isAdmin', false);
    app.setErrorHandler((err, _req, reply) => {
      const { status, body } = toOpenAIError(err);
      return reply.code(status).send(body);
    });
    app.get('/metrics', { preHandler: requireAdmin(keys, opts) }, async () => 'metrics 1\n');
    await app.ready();
    return app;
  };

  it('admin key passes, client key is 403, no or wrong key is 401 (OpenAI shape)', async () => {
    const app = await build(new KeyRing(['sk-client'], ['sk-admin']));
    const get = (auth?: string) => app.inject({ method: 'GET', url: '/metrics', headers: auth === undefined ? {} : { authorization: `Bearer ${auth}` } });
    expect((await get('sk-admin')).statusCode).toBe(200);
    const client = await get('sk-client');
    expect(client.statusCode).toBe(403);
    expect(isOpenAIError(client.json())).toBe(true);
    expect((await get()).statusCode).toBe(401);
    expect((await get('sk-nope')).statusCode).toBe(401);
    await app.close();
  });

  it('public: true opens the route; no keys at all = open dev mode', async () => {
    const pub = await build(new KeyRing(['sk-client'], ['sk-admin']), { public: true });
    expect((await pub.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    await pub.close();
    const open = await build(new KeyRing([], []));
    expect((await open.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    await open.close();
  });

  it('client keys configured but no admin key: nobody is admin', async () => {
    const app = await build(new KeyRing(['sk-client'], []));
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer sk-client' } })).statusCode).toBe(403);
    await app.close();
  });

  it('KeyRing tells admin from client, rejects prefixes and near misses', () => {
    const ring = new KeyRing(['sk-client-1'], ['sk-admin-1']);
    expect(ring.classify('sk-admin-1')).toBe('admin');
    expect(ring.classify('sk-client-1')).toBe('client');
    for (const k of ['sk-client-', 'sk-client-12', 'SK-CLIENT-1', '', 'sk-admin-1 ']) expect(ring.classify(k)).toBeNull();
  });
});

describe('*_FILE secrets (container secrets)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'thinkgate-secrets-'));
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const base = {
    THINKGATE_CONFIG: join(dir, 'none.yaml'),
    THINKGATE_REASONING_BASE_URL: 'http://127.0.0.1:9/v1',
    THINKGATE_REASONING_MODEL: 'r',
    THINKGATE_DIRECT_BASE_URL: 'http://127.0.0.1:9/v1',
    THINKGATE_DIRECT_MODEL: 'd',
  };

  it('reads upstream keys, client keys and admin keys from files (trailing newline trimmed), and the file wins', () => {
    const { config } = loadConfig({
      path: undefined,
      env: {
        ...base,
        THINKGATE_CONFIG: undefined,
        THINKGATE_REASONING_API_KEY_FILE: file('r', 'sk-r-from-file\n'),
        THINKGATE_REASONING_API_KEY: 'sk-r-from-env',
        THINKGATE_DIRECT_API_KEY_FILE: file('d', 'sk-d-from-file'),
        THINKGATE_API_KEYS_FILE: file('keys', 'sk-1, sk-2\n'),
        THINKGATE_ADMIN_KEYS_FILE: file('admin', 'sk-admin\n'),
      },
    });
    expect(config.upstreams.reasoning?.apiKey).toBe('sk-r-from-file');
    expect(config.upstreams.direct?.apiKey).toBe('sk-d-from-file');
    expect(config.auth.apiKeys).toEqual(['sk-1', 'sk-2']);
    expect(config.auth.adminKeys).toEqual(['sk-admin']);
  });

  it('an unreadable file is a ConfigError naming the variable, never the secret', () => {
    try {
      loadConfig({ env: { ...base, THINKGATE_CONFIG: undefined, THINKGATE_API_KEYS_FILE: join(dir, 'missing') } });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.join('\n')).toContain('THINKGATE_API_KEYS_FILE');
    }
  });
});
