import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './support/gateway.js';

/** Every reply of the gateway names its request id, whatever produced it: a route, an error, a 404, a stream. */
describe('x-request-id', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw.close();
  });

  const post = (body: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('echoes a well-formed id the client sent, on success and on errors', async () => {
    const ok = await post(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }), { 'x-request-id': 'client-id-1' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toBe('client-id-1');
    const invalid = await post('{"model":', { 'x-request-id': 'client-id-2' });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('x-request-id')).toBe('client-id-2');
    const unknown = await fetch(`${gw.url}/nowhere`, { headers: { 'x-request-id': 'client-id-3' } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('x-request-id')).toBe('client-id-3');
  });

  it('makes one up for a client that sent none (or a malformed one), and streams carry it', async () => {
    const res = await post(JSON.stringify({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'hi' }] }), { 'x-request-id': 'bad id with spaces' });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await res.text();
  });
});
