import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { assertValidEvent, assertValidResponse } from '../support/responses-schema.js';
import { scriptNativeToolRoundTrip, scriptToolRoundTrip } from '../support/responses-scripts.js';
import { clientTestConfig, startFakeResponsesUpstream, type FakeResponsesUpstream } from '../support/responses-upstream.js';

/**
 * The gateway's /v1/responses bytes, read raw (no SDK in between) for the requests real clients send: Codex's own
 * captured bodies (test/support/responses-codex-request-turn*.json) and a bare function tool as LangChain or curl
 * send it, over a chat upstream and a native one. Checks SSE framing as OpenAI frames it (`event: <type>` then
 * `data: <json>` whose `type` matches, `sequence_number` 0, 1, 2…, response.created first, response.completed
 * last, no `[DONE]`) and every event and object against the openai SDK's types. Runs without Codex installed.
 */

type Json = Record<string, unknown>;
const codexBody = (turn: 1 | 2): Json => (JSON.parse(readFileSync(new URL(`../support/responses-codex-request-turn${turn}.json`, import.meta.url), 'utf8')) as { body: Json }).body;

/** Parses an SSE body into (event name, data JSON) pairs, failing on anything OpenAI would not send. */
function framesOf(text: string): { event: string | undefined; data: Json }[] {
  const blocks = text.split('\n\n').filter((b) => b.trim() !== '');
  return blocks.map((block) => {
    const lines = block.split('\n');
    const event = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length);
    const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice('data: '.length)).join('\n');
    expect(data, `a frame without data: ${block}`).not.toBe('');
    expect(data, 'OpenAI ends a Responses stream with response.completed, never [DONE]').not.toBe('[DONE]');
    return { event, data: JSON.parse(data) as Json };
  });
}

function expectOpenAIStream(text: string): Json[] {
  const frames = framesOf(text);
  frames.forEach(({ event, data }, i) => {
    expect(event, `event line of frame ${i}`).toBe(data.type);
    expect(data.sequence_number, `sequence_number of frame ${i} (${String(data.type)})`).toBe(i);
    assertValidEvent(data);
  });
  const types = frames.map((f) => f.data.type);
  expect(types[0]).toBe('response.created');
  expect(types.at(-1)).toBe('response.completed');
  // Codex takes output items only from output_item.done: one per item of the final response.
  const final = frames.at(-1)?.data.response as { output: Json[] };
  const done = frames.filter((f) => f.data.type === 'response.output_item.done').map((f) => (f.data.item as Json).id);
  expect(done).toEqual(final.output.map((o) => o.id));
  return frames.map((f) => f.data);
}

describe('raw /v1/responses output for real clients’ requests', () => {
  let gw: TestGateway;
  let native: FakeResponsesUpstream;

  beforeAll(async () => {
    native = await startFakeResponsesUpstream();
    gw = await startGateway(() => clientTestConfig(native, 'direct'));
    const trip = { name: 'exec_command', arguments: '{"cmd":"echo hi"}', callId: 'call_wire', final: (o: string) => `done: ${o.length}`, reasoning: 'Thinking it through.' };
    scriptToolRoundTrip([gw.reasoning], trip);
    scriptNativeToolRoundTrip(native, trip);
  });
  afterAll(async () => {
    await gw.close();
    await native.close();
  });

  const post = (body: Json): Promise<Response> =>
    fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-wire' }, body: JSON.stringify(body) });

  for (const [upstream, model] of [
    ['chat', 'thinkgate-reasoning'],
    ['native', 'thinkgate-direct'],
  ] as const) {
    it(`streams Codex's first turn (a tool call) as OpenAI frames it, over a ${upstream} upstream`, async () => {
      const res = await post({ ...codexBody(1), model });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = expectOpenAIStream(await res.text());
      const final = (events.at(-1) as { response: { output: Json[] } }).response;
      expect(final.output.find((o) => o.type === 'function_call')).toMatchObject({ name: 'exec_command', call_id: 'call_wire', arguments: '{"cmd":"echo hi"}' });
    });

    it(`lets the openai SDK's stream helper fold Codex's first turn (finalResponse resolves), over a ${upstream} upstream`, async () => {
      const params = { ...codexBody(1), model } as unknown as Parameters<ReturnType<TestGateway['client']>['responses']['stream']>[0];
      const stream = gw.client('sk-wire').responses.stream(params);
      const final = await stream.finalResponse();
      expect(final.status).toBe('completed');
      expect(final.output.find((o) => o.type === 'function_call')).toMatchObject({ name: 'exec_command', call_id: 'call_wire' });
    });

    it(`answers Codex's second turn (history with reasoning, call and output) as JSON too, over a ${upstream} upstream`, async () => {
      const turn2 = codexBody(2);
      // The captured turn answered call_1; the fake model finishes once it sees its own call's output.
      const input = (turn2.input as Json[]).map((i) => (i.call_id === 'call_1' ? { ...i, call_id: 'call_wire' } : i));
      const res = await post({ ...turn2, input, model, stream: false });
      const body = (await res.json()) as Json;
      expect(res.status, JSON.stringify(body)).toBe(200);
      assertValidResponse(body);
      expect(body.status).toBe('completed');
      expect((body.output as Json[]).find((o) => o.type === 'message')).toBeDefined();
    });
  }

  it('echoes a bare function tool (no strict, no description) in a shape the SDK types accept', async () => {
    const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
    const res = await post({ model: 'thinkgate-reasoning', input: 'Weather?', tools });
    const body = (await res.json()) as Json;
    expect(res.status, JSON.stringify(body)).toBe(200);
    assertValidResponse(body);
    expect((body.tools as Json[])[0]).toMatchObject({ type: 'function', name: 'get_weather' });
  });
});
