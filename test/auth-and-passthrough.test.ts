import { request as httpRequest } from 'node:http';
import { readJson } from './support/http.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startGateway, type TestGateway, DIRECT_KEY } from './support/gateway.js';

describe('client auth', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(() => ({ auth: { apiKeys: ['sk-good-1', 'sk-good-2'] } }));
  });
  afterAll(() => gw.close());

  it('missing or wrong key → 401 (SDK AuthenticationError), without echoing the key', async () => {
    const wrong = await gw.client('sk-wrong-key').chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(String((wrong as Error).message)).not.toContain('sk-wrong-key');
    const res = await fetch(`${gw.url}/v1/models`);
    expect(res.status).toBe(401);
    expect((await readJson(res))?.error?.code).toBe('missing_api_key');
  });

  it('any configured key works; health needs none', async () => {
    for (const key of ['sk-good-1', 'sk-good-2']) {
      const r = await gw.client(key).chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'x' }] });
      expect(r.choices[0]!.message.content).toBe('echo: x');
    }
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });
});

describe('pass-through of other /v1 endpoints', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  it('forwards embeddings to the direct upstream with its key, unchanged', async () => {
    const res = await fetch(`${gw.url}/v1/embeddings?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client', connection: 'keep-alive', 'x-custom': 'kept' },
      body: JSON.stringify({ model: 'text-embedding-3-small', input: 'hello' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-fake-upstream')).toBe('yes');
    const body = await readJson(res);
    expect(body.echoed).toEqual({ method: 'POST', url: '/v1/embeddings?x=1', body: { model: 'text-embedding-3-small', input: 'hello' }, authorization: `Bearer ${DIRECT_KEY}` });
    const recorded = gw.direct.requests.at(-1)!;
    expect(recorded.headers['x-custom']).toBe('kept');
    expect(gw.reasoning.requests.filter((r) => r.url.includes('embeddings'))).toHaveLength(0);
  });

  it("drops the client's OpenAI-Organization and OpenAI-Project: they go with the client's key, which never goes upstream", async () => {
    // The SDK sends them when OPENAI_ORG_ID / OPENAI_PROJECT_ID are set; OpenAI refuses a key whose org they do not match.
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-client', organization: 'org-client', project: 'proj-client', maxRetries: 0 });
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' }).catch(() => undefined);
    const recorded = gw.direct.requests.at(-1)!;
    expect(recorded.url).toBe('/v1/embeddings');
    expect(recorded.headers['openai-organization']).toBeUndefined();
    expect(recorded.headers['openai-project']).toBeUndefined();
  });

  it('forwards a body sent with Expect: 100-continue (curl does so for uploads over 1 MiB)', async () => {
    // fetch cannot send Expect; node:http can, and answers the server's 100 Continue by sending the body.
    const body = JSON.stringify({ model: 'text-embedding-3-small', input: 'hello' });
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${gw.url}/v1/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), expect: '100-continue' },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('continue', () => req.end(body));
      req.on('error', reject);
    });
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.body) as { echoed: { body: unknown } }).echoed.body).toEqual({ model: 'text-embedding-3-small', input: 'hello' });
    expect(gw.direct.requests.at(-1)!.headers.expect).toBeUndefined();
  });

  it('forwards GET and DELETE with status', async () => {
    const get = await fetch(`${gw.url}/v1/files/file-1`);
    expect((await readJson(get))?.echoed?.method).toBe('GET');
    const del = await fetch(`${gw.url}/v1/files/file-1`, { method: 'DELETE' });
    expect((await readJson(del))?.echoed?.method).toBe('DELETE');
  });
});

describe('routing.passthroughPaths: which other /v1 paths are forwarded', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(() => ({ auth: { apiKeys: ['sk-tenant-a'] }, routing: { passthroughPaths: ['/embeddings', '/audio/'] } }));
  });
  afterAll(() => gw.close());

  const client = (): OpenAI => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-tenant-a', maxRetries: 0 });

  it('forwards the listed paths and the paths below them', async () => {
    const embedding = await client().embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    expect(embedding).toBeDefined();
    const before = gw.direct.requests.length;
    const speech = await fetch(`${gw.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-tenant-a' }, body: '{"input":"hi"}' });
    await speech.arrayBuffer();
    expect(speech.headers.get('x-thinkgate-passthrough')).toBe('direct');
    expect(gw.direct.requests.length).toBe(before + 1);
  });

  it("refuses the account-wide ones a tenant must not share (files, batches) with OpenAI's unknown-URL 404, upstream untouched", async () => {
    const before = gw.direct.requests.length + gw.reasoning.requests.length;
    const err = await client().files.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    for (const [method, path] of [['GET', '/v1/batches?limit=1'], ['DELETE', '/v1/files/file-abc'], ['POST', '/v1/audiobooks']] as const) {
      const res = await fetch(`${gw.url}${path}`, { method, headers: { authorization: 'Bearer sk-tenant-a' } });
      expect(res.status, path).toBe(404);
      const body = (await readJson(res)) as unknown as { error: { code: string; type: string; message: string } };
      expect(body.error).toMatchObject({ code: 'unknown_url', type: 'invalid_request_error' });
      expect(body.error.message).toContain('routing.passthroughPaths');
      expect(body.error.message).not.toContain('?');
    }
    expect(gw.direct.requests.length + gw.reasoning.requests.length).toBe(before);
  });

  it('still serves the routed endpoints, which are not pass-through', async () => {
    const res = await client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0]?.message.content).toBeTruthy();
  });
});
