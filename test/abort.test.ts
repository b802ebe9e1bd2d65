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

/** The ledger's view of an aborted stream, on a gateway of its own (other aborts would be counted a moment later). */
describe('an aborted stream in the savings ledger', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  /** A long reasoning stream read through the SDK until `chunks` chunks arrived, then aborted by the client. */
  async function abortAfter(chunks: number, prompt: string): Promise<void> {
    // The upstream bills what it generated until the connection closed; its usage chunk never comes.
    gw.reasoning.scenario = () => ({ kind: 'answer', answer: { content: 'word '.repeat(200), reasoning: 'think '.repeat(200), chunkSize: 12 }, chunkDelayMs: 20 });
    const controller = new AbortController();
    const stream = await gw.client().chat.completions.create(
      { model: 'thinkgate-reasoning', stream: true, messages: [{ role: 'user', content: prompt }] },
      { signal: controller.signal },
    );
    let received = 0;
    await (async () => {
      for await (const _chunk of stream) {
        received++;
        if (received === chunks) controller.abort();
      }
    })().catch(() => undefined);
  }

  /** `read()` again until it differs from `before` (the record is observed after the stream ended), for 5 s at most. */
  async function changed<T>(read: () => Promise<T>, before: T, same: (a: T, b: T) => boolean): Promise<T> {
    let now = await read();
    for (const until = Date.now() + 5_000; same(now, before) && Date.now() < until; now = await read()) await new Promise((r) => setTimeout(r, 20));
    return now;
  }

  it('mid-stream: the tokens the upstream produced before the client left are counted (estimated), not dropped', async () => {
    type Totals = { aborted: number; usageEstimatedRequests: number; tokens: { prompt: number; completion: number } };
    const totals = async (): Promise<Totals> => ((await (await fetch(`${gw.url}/v1/stats`)).json()) as { totals: Totals }).totals;
    const before = await totals();
    expect(before.aborted).toBe(0);
    await abortAfter(6, 'think for a long time');
    const after = await changed(totals, before, (a, b) => a.aborted === b.aborted);
    expect(after.aborted).toBe(before.aborted + 1);
    expect(after.usageEstimatedRequests).toBe(before.usageEstimatedRequests + 1);
    expect(after.tokens.prompt).toBeGreaterThan(before.tokens.prompt);
    // At least the five chunks of thinking the client saw (12 characters each).
    expect(after.tokens.completion).toBeGreaterThan(before.tokens.completion + 5);
  });

  it('mid-stream: the time to the first byte the client did receive is recorded (log line, first-byte histogram)', async () => {
    const firstBytes = async (): Promise<number> => {
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      return Number(/^thinkgate_time_to_first_byte_seconds_count\{route="reasoning"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    const before = await firstBytes();
    await abortAfter(3, 'think again');
    expect(await changed(firstBytes, before, (a, b) => a === b)).toBe(before + 1);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
