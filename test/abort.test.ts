import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './support/gateway.js';

/** Unfinished thinking is wasted compute: a client that leaves must close the upstream request at once. */
describe('client disconnect aborts the upstream request', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  it('mid-stream (OpenAI SDK, AbortController)', async () => {
    gw.reasoning.scenario = () => ({ kind: 'answer', answer: { content: 'x'.repeat(400), reasoning: 'y'.repeat(400), chunkSize: 2 }, chunkDelayMs: 20 });
    const controller = new AbortController();
    const stream = await gw.client().chat.completions.create(
      { model: 'thinkgate-reasoning', stream: true, messages: [{ role: 'user', content: 'long' }] },
      { signal: controller.signal },
    );
    let received = 0;
    const reading = (async () => {
      for await (const _chunk of stream) {
        received++;
        if (received === 3) controller.abort();
      }
    })();
    // The SDK ends the iteration (or throws an abort error): either way the client has gone.
    await reading.catch(() => undefined);
    expect(received).toBeLessThan(10);
    const upstreamReq = gw.reasoning.chatRequests().at(-1)!;
    await upstreamReq.aborted;
    expect(upstreamReq.wasAborted).toBe(true);
  });

  it('before a non-streamed answer arrives', async () => {
    gw.direct.scenario = () => ({ kind: 'hang' });
    const controller = new AbortController();
    const pending = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'x' }] }),
      signal: controller.signal,
    });
    await waitFor(() => gw.direct.chatRequests().length > 0);
    controller.abort();
    await expect(pending).rejects.toThrow();
    const upstreamReq = gw.direct.chatRequests().at(-1)!;
    await upstreamReq.aborted;
    expect(upstreamReq.wasAborted).toBe(true);
    // The gateway is still healthy afterwards.
    gw.direct.scenario = () => ({ kind: 'answer', answer: { content: 'ok' } });
    const again = await gw.client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'y' }] });
    expect(again.choices[0]!.message.content).toBe('ok');
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
