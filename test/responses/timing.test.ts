import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';

/**
 * `response.created` goes out as soon as the upstream has answered (its headers), not with its first chunk, and
 * reasoning streams as it arrives: a reasoning upstream may think for a long time, and a client that hears nothing
 * times out. The upstream here sends its headers, stays silent for SILENCE_MS, then streams reasoning in pieces.
 */

// Long enough that a busy machine's scheduling hiccups (a few hundred ms) cannot blur the gaps being measured.
const SILENCE_MS = 1_000;
const base = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'fake-reasoner' };
const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
  `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

describe('Responses stream timing', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
    gw.reasoning.scenario = () => ({
      kind: 'sse',
      raw: true,
      chunkDelayMs: SILENCE_MS,
      // '' writes nothing: the headers are out, the body silent for SILENCE_MS.
      events: ['', chunk({ role: 'assistant', reasoning_content: 'first thought. ' }), chunk({ reasoning_content: 'second thought.' }), chunk({ content: 'done' }), chunk({}, 'stop'), 'data: [DONE]\n\n'],
    });
  });
  afterAll(() => gw.close());

  it('response.created arrives before the upstream says anything; reasoning deltas arrive one by one', async () => {
    const started = performance.now();
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'thinkgate-reasoning', input: 'think slowly', stream: true }),
    });
    const arrivals: { type: string; at: number }[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(bytes, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        arrivals.push({ type: frame.split('\n')[0]!.slice('event: '.length), at: performance.now() - started });
      }
    }
    const at = (type: string): number => arrivals.find((a) => a.type === type)!.at;
    const deltas = arrivals.filter((a) => a.type === 'response.reasoning_text.delta');
    expect(deltas).toHaveLength(2);
    // created came with the headers, a whole silence before the first reasoning delta.
    expect(deltas[0]!.at - at('response.created')).toBeGreaterThan(SILENCE_MS * 0.5);
    // the second thought was not held back until the first was complete or the answer began.
    expect(deltas[1]!.at - deltas[0]!.at).toBeGreaterThan(SILENCE_MS * 0.5);
    expect(arrivals.at(-1)!.type).toBe('response.completed');
  });
});
