import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helmetHeaders, securityHeaderOptions } from '../src/http/security.js';
import { parseConfig } from '../src/config/load.js';
import { startGateway, type TestGateway } from './support/gateway.js';

/**
 * The fixed headers (request id and the security headers) come from one precomputed block set by one root hook:
 * every kind of reply must still carry all of them, whichever path produced it.
 */
describe('fixed headers on every reply kind', () => {
  let gw: TestGateway;
  const expected = Object.entries(helmetHeaders(securityHeaderOptions(parseConfig({}))).set);
  beforeAll(async () => {
    gw = await startGateway(() => ({ auth: { apiKeys: ['sk-client-1'] } }));
  });
  afterAll(() => gw.close());

  const post = (body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-1', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const messages = [{ role: 'user', content: 'What is the capital of France?' }];

  const expectFixed = async (kind: string, res: Response): Promise<void> => {
    await res.arrayBuffer();
    expect(res.headers.get('x-request-id'), kind).toMatch(/^[0-9a-f-]{36}$/);
    for (const [name, value] of expected) expect(res.headers.get(name), `${kind}: ${name}`).toBe(value);
    expect(res.headers.get('x-powered-by'), kind).toBeNull();
  };

  it('the block is the security headers helmet sets, X-Powered-By excluded', () => {
    const names = expected.map(([name]) => name);
    expect(names).toEqual(expect.arrayContaining(['content-security-policy', 'x-content-type-options', 'strict-transport-security', 'x-frame-options']));
    expect(names).not.toContain('x-powered-by');
    // Headers that only steer a browser rendering a document are left off JSON and event-stream replies.
    for (const documentOnly of ['referrer-policy', 'x-dns-prefetch-control', 'x-xss-protection']) expect(names).not.toContain(documentOnly);
  });

  it('the dashboard, an HTML page, sets its own policy headers, the referrer policy included', async () => {
    const page = await fetch(`${gw.url}/dashboard`);
    expect(page.status).toBe(200);
    await page.arrayBuffer();
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('the in-flight gauge counts every /v1 request in progress, Responses included', async () => {
    const scrape = async (): Promise<number> => {
      const text = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: 'Bearer sk-client-1' } })).text();
      const line = text.split('\n').find((l) => l.startsWith('thinkgate_requests_in_flight '));
      return line === undefined ? NaN : Number(line.split(' ')[1]);
    };
    expect(await scrape()).toBe(0);
    const [direct, reasoning] = [gw.direct.scenario, gw.reasoning.scenario];
    gw.direct.scenario = () => ({ kind: 'answer', answer: { content: 'slow' }, delayMs: 400 });
    gw.reasoning.scenario = () => ({ kind: 'answer', answer: { content: 'slow' }, delayMs: 400 });
    const pending = fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-1', 'cache-control': 'no-store' },
      body: JSON.stringify({ model: 'auto', input: 'What is the capital of France?' }),
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(await scrape()).toBe(1);
    expect((await pending).status).toBe(200);
    expect(await scrape()).toBe(0);
    [gw.direct.scenario, gw.reasoning.scenario] = [direct, reasoning];
  });

  it('JSON answers, streams, cache hits (JSON and replayed stream) and cache bypasses', async () => {
    const json = await post({ model: 'auto', messages }, { 'cache-control': 'no-store' });
    expect(json.status).toBe(200);
    await expectFixed('json', json);
    const stream = await post({ model: 'auto', messages, stream: true }, { 'cache-control': 'no-store' });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await expectFixed('stream', stream);
    const cacheable = { model: 'auto', messages, temperature: 0 };
    await (await post(cacheable)).arrayBuffer();
    const hit = await post(cacheable);
    expect(hit.headers.get('x-thinkgate-cache')).toBe('hit');
    await expectFixed('cache hit', hit);
    await (await post({ ...cacheable, stream: true })).arrayBuffer();
    const replay = await post({ ...cacheable, stream: true });
    expect(replay.headers.get('x-thinkgate-cache')).toBe('hit');
    await expectFixed('replayed stream', replay);
  });

  it('errors: invalid JSON, an invalid request, a missing key, an unknown URL, other routes', async () => {
    const invalidJson = await post('{"model":');
    expect(invalidJson.status).toBe(400);
    await expectFixed('invalid JSON', invalidJson);
    const invalid = await post({ model: 'auto', messages: 'nope' });
    expect(invalid.status).toBe(400);
    await expectFixed('invalid request', invalid);
    const unauthorised = await post({ model: 'auto', messages }, { authorization: '' });
    expect(unauthorised.status).toBe(401);
    await expectFixed('401', unauthorised);
    const unknown = await fetch(`${gw.url}/nowhere`);
    expect(unknown.status).toBe(404);
    await expectFixed('404', unknown);
    await expectFixed('healthz', await fetch(`${gw.url}/healthz`));
    await expectFixed('models', await fetch(`${gw.url}/v1/models`, { headers: { authorization: 'Bearer sk-client-1' } }));
  });
});
