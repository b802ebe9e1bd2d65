import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { chatBody, fastUpstreams, isOpenAIError, post } from './support.js';

const raw = (url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/v1/models`, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });

describe('load shedding', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway((f) => ({
      upstreams: fastUpstreams(f),
      auth: { apiKeys: ['sk-a', 'sk-b', 'sk-c', 'sk-d'] },
      server: { port: 0, host: '127.0.0.1', bodyLimitBytes: 10_000 },
      limits: { maxInFlight: 3, maxInFlightPerTenant: 2, maxHeaderBytes: 4_096, rateLimit: { max: 0 }, retryAfterSeconds: 2 },
    }));
  });
  afterAll(() => gw.close());

  it('bounds in-flight requests per tenant and per instance with 429 + Retry-After, and frees slots when requests end', async () => {
    gw.direct.scenario = () => ({ kind: 'hang' });
    const held = new AbortController();
    const hold = (key: string): Promise<unknown> =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(chatBody('thinkgate-direct')),
        signal: held.signal,
      }).catch(() => undefined);
    const inflight = [hold('sk-a'), hold('sk-a')];
    while (gw.direct.chatRequests().filter((r) => !r.wasAborted).length < 2) await new Promise((r) => setTimeout(r, 10));

    const tenantFull = await post(gw, '/v1/chat/completions', chatBody('thinkgate-direct'), { authorization: 'Bearer sk-a' });
    expect(tenantFull.status).toBe(429);
    expect(tenantFull.headers.get('retry-after')).toBe('2');
    expect((tenantFull.json as { error: { code: string; type: string } }).error).toMatchObject({ code: 'too_many_concurrent_requests', type: 'rate_limit_error' });

    inflight.push(hold('sk-b'));
    while (gw.direct.chatRequests().filter((r) => !r.wasAborted).length < 3) await new Promise((r) => setTimeout(r, 10));
    const instanceFull = await post(gw, '/v1/chat/completions', chatBody('thinkgate-direct'), { authorization: 'Bearer sk-c' });
    expect(instanceFull.status).toBe(429);
    expect((instanceFull.json as { error: { code: string } }).error.code).toBe('server_busy');

    held.abort();
    await Promise.all(inflight);
    gw.direct.scenario = () => ({ kind: 'answer', answer: { content: 'free again' } });
    // Slots come back on the response's 'close'; give the event loop a moment to deliver it.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await post(gw, '/v1/chat/completions', chatBody('thinkgate-direct'), { authorization: 'Bearer sk-a' })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(200);
  });

  it('413 in OpenAI shape for a body over the limit, without reaching the upstream', async () => {
    const before = gw.direct.chatRequests().length;
    const res = await post(gw, '/v1/chat/completions', chatBody('thinkgate-direct', 'x'.repeat(20_000)), { authorization: 'Bearer sk-d' });
    expect(res.status).toBe(413);
    expect(isOpenAIError(res.json)).toBe(true);
    expect(gw.direct.chatRequests().length).toBe(before);
  });

  it('431 in OpenAI shape for oversized headers', async () => {
    const res = await raw(gw.url, { authorization: 'Bearer sk-d', 'x-padding': 'p'.repeat(8_000) });
    expect(res.status).toBe(431);
    expect(isOpenAIError(JSON.parse(res.body))).toBe(true);
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });

  it('security headers from helmet suit an API; no CORS headers by default', async () => {
    const res = await fetch(`${gw.url}/v1/models`, { headers: { authorization: 'Bearer sk-d', origin: 'https://evil.example' } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('rate limit per client key', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway((f) => ({
      upstreams: fastUpstreams(f),
      auth: { apiKeys: ['sk-a', 'sk-b'] },
      limits: { rateLimit: { max: 3, timeWindowMs: 60_000 } },
    }));
  });
  afterAll(() => gw.close());

  it('the request over the limit gets 429 + Retry-After in OpenAI shape; another key is unaffected', async () => {
    for (let i = 0; i < 3; i++) expect((await post(gw, '/v1/chat/completions', chatBody('thinkgate-direct'), { authorization: 'Bearer sk-a' })).status).toBe(200);
    const over = await post(gw, '/v1/chat/completions', chatBody('thinkgate-direct'), { authorization: 'Bearer sk-a' });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((over.json as { error: { code: string; type: string } }).error).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error' });
    expect((await post(gw, '/v1/chat/completions', chatBody('thinkgate-direct'), { authorization: 'Bearer sk-b' })).status).toBe(200);
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });
});

describe('CORS when configured', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway((f) => ({ upstreams: fastUpstreams(f), cors: { origins: ['https://app.example'] } }));
  });
  afterAll(() => gw.close());

  it('answers preflights for listed origins only, and exposes the thinkgate headers', async () => {
    const ok = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    const res = await post(gw, '/v1/chat/completions', chatBody('thinkgate-direct'), { origin: 'https://app.example' });
    expect(res.headers.get('access-control-expose-headers')).toContain('x-thinkgate-route');
    const other = await fetch(`${gw.url}/v1/models`, { headers: { origin: 'https://other.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('exposes every x-thinkgate-* header the gateway answers with: cache hits, dropped tools, passthrough', async () => {
    const origin = { origin: 'https://app.example' };
    const deterministic = { ...chatBody('thinkgate-direct', 'expose me'), temperature: 0 };
    await post(gw, '/v1/chat/completions', deterministic, origin);
    const answers = [
      await post(gw, '/v1/chat/completions', deterministic, origin),
      await post(gw, '/v1/responses', { model: 'thinkgate-direct', input: 'x', tools: [{ type: 'web_search' }] }, origin),
      await post(gw, '/v1/embeddings', { model: 'e', input: 'x' }, origin),
    ];
    const sent = new Set(answers.flatMap((a) => [...a.headers.keys()].filter((h) => h.startsWith('x-thinkgate-'))));
    // The three requests between them carry every kind of header this test is about.
    expect([...sent]).toEqual(expect.arrayContaining(['x-thinkgate-cache-tier', 'x-thinkgate-dropped-tools', 'x-thinkgate-passthrough']));
    for (const answer of answers) {
      const exposed = (answer.headers.get('access-control-expose-headers') ?? '').split(/,\s*/);
      for (const header of answer.headers.keys()) if (header.startsWith('x-thinkgate-')) expect(exposed).toContain(header);
    }
  });
});

describe('event-loop lag', () => {
  it('503 server_overloaded with Retry-After while the event loop is blocked; /healthz still answers', async () => {
    const gw = await startGateway((f) => ({ upstreams: fastUpstreams(f), limits: { maxEventLoopDelayMs: 50 } }));
    try {
      const until = Date.now() + 1_500;
      // Block the loop (the gateway runs in this process) so the sampler records a large delay.
      while (Date.now() < until) {
        // busy wait
      }
      await new Promise((r) => setTimeout(r, 20));
      const res = await post(gw, '/v1/chat/completions', chatBody('thinkgate-direct'));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect((res.json as { error: { code: string } }).error.code).toBe('server_overloaded');
      expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});
