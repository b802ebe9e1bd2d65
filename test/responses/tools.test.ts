import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type OpenAI from 'openai';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { assertValidEvent, assertValidResponse } from '../support/responses-schema.js';
import type { Scenario } from '../support/fake-upstream.js';

/** Tool round trips through the Responses API bridged to a chat upstream, with the official SDK. */

type Json = Record<string, unknown>;
const weatherTool = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

/** First request: the model calls a tool; later ones: it answers from the tool's output. */
function callThenAnswer(call: { id: string; name: string; arguments: string }): (body: Json, index: number) => Scenario {
  return (_body, index) =>
    index === 0
      ? { kind: 'answer', answer: { content: '', toolCalls: [call] } }
      : { kind: 'answer', answer: { content: 'It is sunny in Paris.' } };
}

const post = async (gw: TestGateway, body: Json): Promise<{ status: number; headers: Headers; json: Json }> => {
  const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Json };
};

describe('Responses tool calls over a chat upstream', () => {
  let gw: TestGateway;
  let client: OpenAI;
  beforeAll(async () => {
    gw = await startGateway();
    client = gw.client();
  });
  beforeEach(() => {
    gw.direct.requests.length = 0;
  });
  afterAll(async () => {
    await gw.close();
  });

  it('stateful round trip with previous_response_id: the conversation is rebuilt from the store', async () => {
    let n = 0;
    const scenario = callThenAnswer({ id: 'call_42', name: 'get_weather', arguments: '{"city":"Paris"}' });
    gw.direct.scenario = (body) => scenario(body, n++);
    const first = await client.responses.create({ model: 'thinkgate-direct', input: 'Weather in Paris?', tools: [weatherTool] });
    expect(first.output).toHaveLength(1);
    const call = first.output[0];
    if (call?.type !== 'function_call') throw new Error(`expected a function_call, got ${call?.type}`);
    expect(call).toMatchObject({ call_id: 'call_42', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' });
    const sentTools = (gw.direct.chatRequests()[0]?.body as Json).tools;
    expect(sentTools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: weatherTool.parameters, strict: false } }]);

    const second = await client.responses.create({
      model: 'thinkgate-direct',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: 'call_42', output: 'sunny, 24 C' }],
      tools: [weatherTool],
    });
    expect(second.output_text).toBe('It is sunny in Paris.');
    expect(second.previous_response_id).toBe(first.id);
    const messages = (gw.direct.chatRequests()[1]?.body as Json).messages;
    expect(messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_42', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_42', content: 'sunny, 24 C' },
    ]);
  });

  it('stateless round trip with store: false and the full input; nothing is kept', async () => {
    let n = 0;
    const scenario = callThenAnswer({ id: 'call_7', name: 'get_weather', arguments: '{"city":"Oslo"}' });
    gw.direct.scenario = (body) => scenario(body, n++);
    const first = await client.responses.create({ model: 'thinkgate-direct', input: 'Weather in Oslo?', tools: [weatherTool], store: false });
    const second = await client.responses.create({
      model: 'thinkgate-direct',
      store: false,
      tools: [weatherTool],
      input: [
        { role: 'user', content: 'Weather in Oslo?' },
        ...(first.output as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: 'call_7', output: 'rain' },
      ],
    });
    expect(second.output_text).toBe('It is sunny in Paris.');
    const messages = (gw.direct.chatRequests()[1]?.body as Json).messages as Json[];
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(messages[1]).toMatchObject({ tool_calls: [{ id: 'call_7', function: { name: 'get_weather' } }] });
    await expect(client.responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.responses.create({ model: 'thinkgate-direct', previous_response_id: first.id, input: 'and then?' })).rejects.toMatchObject({
      status: 404,
      param: 'previous_response_id',
    });
  });

  it('custom (freeform) tools: a one-string function upstream, a custom_tool_call back, with its input events', async () => {
    gw.direct.scenario = () => ({ kind: 'answer', answer: { content: '', toolCalls: [{ id: 'call_p', name: 'apply_patch', arguments: '{"input":"*** Begin Patch\\n*** End Patch"}' }] } });
    const tools = [{ type: 'custom' as const, name: 'apply_patch', description: 'Apply a patch' }];
    const stream = client.responses.stream({ model: 'thinkgate-direct', input: 'Patch it', tools });
    const types: string[] = [];
    for await (const event of stream) {
      assertValidEvent(event);
      types.push(event.type);
    }
    const final = await stream.finalResponse();
    expect(final.output[0]).toMatchObject({ type: 'custom_tool_call', call_id: 'call_p', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' });
    expect(types).toEqual(expect.arrayContaining(['response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done']));
    const sent = (gw.direct.chatRequests()[0]?.body as Json).tools as Json[];
    expect(sent[0]).toMatchObject({ type: 'function', function: { name: 'apply_patch', parameters: { properties: { input: { type: 'string' } }, required: ['input'] } } });
  });

  it('namespace tools are flattened upstream and calls come back with their namespace; hosted tools dropped and named', async () => {
    gw.direct.scenario = () => ({ kind: 'answer', answer: { content: '', toolCalls: [{ id: 'call_s', name: 'agents__spawn', arguments: '{"task":"x"}' }] } });
    const { status, headers, json } = await post(gw, {
      model: 'thinkgate-direct',
      input: 'Spawn one',
      tools: [
        { type: 'namespace', name: 'agents', description: 'Sub-agents', tools: [{ type: 'function', name: 'spawn', parameters: { type: 'object', properties: { task: { type: 'string' } } } }] },
        { type: 'web_search' },
        { type: 'file_search', vector_store_ids: ['vs_1'] },
      ],
    });
    expect(status).toBe(200);
    assertValidResponse(json);
    expect(headers.get('x-thinkgate-dropped-tools')).toBe('web_search, file_search');
    expect((json.output as Json[])[0]).toMatchObject({ type: 'function_call', name: 'spawn', namespace: 'agents', call_id: 'call_s' });
    const sent = (gw.direct.chatRequests()[0]?.body as Json).tools as Json[];
    expect(sent.map((t) => (t.function as Json).name)).toEqual(['agents__spawn']);
  });

  it("a Codex CLI request (captured) goes through: namespace and web_search tools, client_metadata ignored", async () => {
    gw.direct.scenario = () => ({ kind: 'answer', answer: { content: 'hi-from-tool' } });
    const captured = JSON.parse(readFileSync(new URL('../support/responses-codex-request-turn2.json', import.meta.url), 'utf8')) as { body: Json };
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-thinkgate-route': 'direct' },
      body: JSON.stringify(captured.body),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-thinkgate-dropped-tools')).toBe('web_search');
    const text = await res.text();
    const events = text.split('\n\n').filter((f) => f !== '').map((f) => JSON.parse(f.split('\n')[1]?.slice('data: '.length) ?? '{}') as Json);
    for (const e of events) assertValidEvent(e);
    expect(events.at(-1)?.type).toBe('response.completed');
    const sent = gw.direct.chatRequests()[0]?.body as Json;
    const messages = sent.messages as Json[];
    // Codex's developer messages reach a chat upstream as one leading system message (the default `developerRole`).
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'user', 'assistant', 'tool']);
    expect((sent.tools as Json[]).some((t) => ((t.function as Json).name as string).startsWith('multi_agent_v1__'))).toBe(true);
    expect(sent).not.toHaveProperty('client_metadata');
  });

  it('a stored response retrieved with stream: true is replayed as events the SDK folds back into the same response', async () => {
    gw.direct.scenario = () => ({ kind: 'answer', answer: { content: 'calling', reasoning: 'thinking', toolCalls: [{ id: 'call_r', name: 'apply_patch', arguments: '{"input":"diff"}' }] } });
    const created = await client.responses.create({ model: 'thinkgate-direct', input: 'replay me', tools: [{ type: 'custom', name: 'apply_patch' }] });
    const stream = await client.responses.retrieve(created.id, { stream: true });
    const seen: number[] = [];
    let completed: unknown;
    for await (const event of stream) {
      assertValidEvent(event);
      seen.push(event.sequence_number);
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(seen).toEqual(seen.map((_, i) => i));
    expect(JSON.parse(JSON.stringify(completed))).toEqual(JSON.parse(JSON.stringify({ ...created, output_text: undefined })));
    const res = await fetch(`${gw.url}/v1/responses/${created.id}?stream=true&starting_after=${seen.length - 2}`);
    const frames = (await res.text()).split('\n\n').filter((f) => f !== '');
    expect(frames).toHaveLength(1);
    expect(frames[0]).toContain('event: response.completed');
    // stream=false is the JSON answer; a value that is neither is refused rather than read as false.
    expect(await (await fetch(`${gw.url}/v1/responses/${created.id}?stream=false`)).json()).toMatchObject({ id: created.id, object: 'response' });
    const bad = await fetch(`${gw.url}/v1/responses/${created.id}?stream=yes`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: { message: 'Invalid value for \'stream\': expected true or false, got "yes".', type: 'invalid_request_error', param: 'stream', code: 'invalid_value' },
    });
  });
});
