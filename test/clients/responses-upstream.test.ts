import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeResponsesUpstream, type FakeResponsesUpstream } from '../support/responses-upstream.js';
import { assertValidEvent, assertValidResponse } from '../support/responses-schema.js';

// The fake native upstream must speak the Responses API as the official SDK reads it, or tests built on it
// would prove nothing: the SDK drives it here, and every object and event is checked against the SDK's types.
describe('fake native Responses upstream', () => {
  let fake: FakeResponsesUpstream;
  let client: OpenAI;

  beforeAll(async () => {
    fake = await startFakeResponsesUpstream({ reasoning: 'Think first.' });
    client = new OpenAI({ baseURL: fake.url, apiKey: 'sk-fake', maxRetries: 0, timeout: 10_000 });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('answers JSON with reasoning and a message, and records the request', async () => {
    const res = await client.responses.create({ model: 'm1', input: 'hello there', store: false });
    // The SDK adds `output_text` on the client; the wire object is the rest.
    const { output_text: _clientSide, ...wire } = res;
    assertValidResponse(wire);
    expect(res.output_text).toBe('echo: hello there');
    expect(res.output.map((o) => o.type)).toEqual(['reasoning', 'message']);
    const last = fake.responsesRequests().at(-1)?.body as Record<string, unknown>;
    expect(last).toMatchObject({ model: 'm1', input: 'hello there', store: false });
  });

  it('streams events the SDK folds into the same answer, each valid and numbered from 0', async () => {
    const events: unknown[] = [];
    const stream = client.responses.stream({ model: 'm1', input: [{ role: 'user', content: 'stream me' }] });
    for await (const ev of stream) events.push(ev);
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('echo: stream me');
    events.forEach((ev, i) => {
      assertValidEvent(ev);
      expect((ev as { sequence_number: number }).sequence_number).toBe(i);
    });
    const types = events.map((e) => (e as { type: string }).type);
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(types).toContain('response.reasoning_summary_text.delta');
  });

  it('streams function calls', async () => {
    fake.scenario = () => ({ kind: 'answer', answer: { text: '', toolCalls: [{ callId: 'call_7', name: 'get_weather', arguments: '{"city":"Paris"}' }] } });
    const stream = client.responses.stream({ model: 'm1', input: 'weather?' });
    for await (const ev of stream) assertValidEvent(ev);
    const final = await stream.finalResponse();
    expect(final.output).toEqual([expect.objectContaining({ type: 'function_call', call_id: 'call_7', name: 'get_weather', arguments: '{"city":"Paris"}' })]);
  });

  it('fails on demand: response.failed mid-stream, HTTP 500 without stream, a cut stream', async () => {
    fake.scenario = () => ({ kind: 'failed', message: 'boom' });
    await expect(client.responses.create({ model: 'm1', input: 'x' })).rejects.toMatchObject({ status: 500 });
    const seen: string[] = [];
    const failing = client.responses.stream({ model: 'm1', input: 'x' });
    for await (const ev of failing) {
      assertValidEvent(ev);
      seen.push(ev.type);
    }
    expect(seen).toEqual(['response.created', 'response.in_progress', 'response.failed']);

    fake.scenario = () => ({ kind: 'cut', answer: { text: 'partial answer' }, afterEvents: 4 });
    const cut = client.responses.stream({ model: 'm1', input: 'x' });
    await expect(cut.finalResponse()).rejects.toThrow();
  });

  it('carries encrypted reasoning when included, and refuses an unpersisted reasoning item under store:false', async () => {
    fake.scenario = () => ({ kind: 'answer', answer: { text: 'ok', reasoning: 'private thoughts' } });
    const res = await client.responses.create({ model: 'm1', input: 'x', store: false, include: ['reasoning.encrypted_content'] });
    const reasoning = res.output.find((o) => o.type === 'reasoning');
    expect(reasoning?.encrypted_content).toMatch(/^enc_fake_/);
    const echoed = { type: 'reasoning' as const, id: reasoning?.id ?? '', summary: reasoning?.summary ?? [] };
    await expect(client.responses.create({ model: 'm1', store: false, input: [echoed, { role: 'user', content: 'again' }] })).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('Items are not persisted when `store` is set to false') as unknown,
    });
    const again = await client.responses.create({ model: 'm1', store: false, input: [{ ...echoed, encrypted_content: reasoning?.encrypted_content ?? null }, { role: 'user', content: 'again' }] });
    expect(again.output_text).toBe('ok');
  });
});

