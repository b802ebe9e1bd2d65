import { request, Agent } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startGateway } from '../support/gateway.js';

/** What `app.close()` ends: a close that waits on a client's connection never returns (a stuck shutdown). */
const settlesWithin = (p: Promise<unknown>, ms: number): Promise<'closed' | 'still waiting'> =>
  Promise.race([p.then(() => 'closed' as const), new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), ms).unref())]);

describe('app.close()', () => {
  it('ends while a client holds a connection it has sent nothing on (a preconnect)', async () => {
    const gw = await startGateway();
    const accepted = once(gw.app.server, 'connection');
    const socket = connect(Number(new URL(gw.url).port), '127.0.0.1');
    await accepted;
    const hungUp = once(socket, 'close');
    // node counts such a connection as waiting for headers, not idle, and stops its headers timeout on close.
    expect(await settlesWithin(gw.close(), 5_000)).toBe('closed');
    await hungUp;
  });

  it('lets the answer in flight finish, then ends without waiting for the keep-alive timeout', async () => {
    const gw = await startGateway();
    gw.direct.scenario = () => ({ kind: 'answer', answer: { content: 'late but whole' }, delayMs: 300 });
    const agent = new Agent({ keepAlive: true });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${gw.url}/v1/chat/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'hi' }] }));
    });
    await expect.poll(() => gw.direct.chatRequests().length).toBe(1);
    const closing = gw.close();
    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(body).toContain('late but whole');
    // The connection stays open on the client's side (keep-alive): the gateway must hang it up once it is idle.
    expect(await settlesWithin(closing, 5_000)).toBe('closed');
    agent.destroy();
  });
});
