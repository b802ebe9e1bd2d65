import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type OpenAI from 'openai';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { lastUserText, startFakeResponsesUpstream, type FakeResponsesUpstream } from '../support/responses-upstream.js';
import { assertValidEvent } from '../support/responses-schema.js';
import { fastUpstreams, post } from '../reliability/support.js';

/**
 * A reasoning upstream that serves the Responses API natively (`api: responses`) beside a chat-only direct one:
 * requests are forwarded with the tier's model, the full rebuilt input and `store: false`; the upstream's events are
 * read back for accounting, caching and the client's own events; a follow-up may go to either tier.
 */

type Json = Record<string, unknown>;

describe('native Responses upstream', () => {
  let gw: TestGateway;
  let native: FakeResponsesUpstream;
  let client: OpenAI;
  beforeAll(async () => {
    native = await startFakeResponsesUpstream();
    gw = await startGateway((f) => {
      const upstreams = fastUpstreams(f, { direct: { breaker: { enabled: false } } });
      return {
        upstreams: {
          ...upstreams,
          reasoning: { ...upstreams.reasoning, baseUrl: native.url, model: 'native-reasoner', api: 'responses', acceptsReasoningEffort: true, breaker: { enabled: false } },
        },
      };
    });
    client = gw.client();
  });
  beforeEach(() => {
    native.scenario = (body) => ({ kind: 'answer', answer: { text: `native: ${lastUserText(body)}`, reasoning: 'native thoughts' } });
  });
  afterAll(async () => {
    await gw.close();
    await native.close();
  });

  it('forwards with the tier model, store: false, the effort applied, and gateway-only fields removed', async () => {
    const res = await post(gw, '/v1/responses', {
      model: 'thinkgate-reasoning',
      input: 'Explain monads',
      instructions: 'Be precise.',
      reasoning: { effort: 'high', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
      client_metadata: { turn: '1' },
    });
    expect(res.status).toBe(200);
    const json = res.json as Json;
    expect(json.model).toBe('native-reasoner');
    expect((json.output as Json[]).map((i) => i.type)).toEqual(['reasoning', 'message']);
    const sent = native.responsesRequests().at(-1)?.body as Json;
    expect(sent).toMatchObject({ model: 'native-reasoner', store: false, instructions: 'Be precise.', reasoning: { effort: 'high', summary: 'auto' }, include: ['reasoning.encrypted_content'] });
    expect(sent.input).toEqual([{ type: 'message', role: 'user', content: 'Explain monads' }]);
    expect(sent).not.toHaveProperty('client_metadata');
    expect(sent).not.toHaveProperty('stream');
  });

  it('streams: every event validates, the SDK helper resolves, reasoning and text arrive as deltas', async () => {
    const stream = client.responses.stream({ model: 'thinkgate-reasoning', input: 'stream natively' });
    const types: string[] = [];
    for await (const event of stream) {
      assertValidEvent(event);
      types.push(event.type);
    }
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('native: stream natively');
    expect(types.filter((t) => t === 'response.reasoning_text.delta').length).toBeGreaterThan(1);
    expect(types.at(-1)).toBe('response.completed');
    expect(final.usage).toMatchObject({ input_tokens: 10, output_tokens: 20, output_tokens_details: { reasoning_tokens: 12 } });
    expect((native.responsesRequests().at(-1)?.body as Json).stream).toBe(true);
  });

  it('a follow-up routed to the chat tier gets the whole conversation; one routed back gets it as items', async () => {
    const first = await client.responses.create({ model: 'thinkgate-reasoning', input: 'first question' });
    const second = await client.responses.create({ model: 'thinkgate-direct', previous_response_id: first.id, input: 'second question' });
    const chat = gw.direct.chatRequests().at(-1)?.body as Json;
    expect(chat.messages).toEqual([
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'native: first question' },
      { role: 'user', content: 'second question' },
    ]);
    await client.responses.create({ model: 'thinkgate-reasoning', previous_response_id: second.id, input: 'third question' });
    const sent = native.responsesRequests().at(-1)?.body as Json;
    const input = sent.input as Json[];
    // The first answer's reasoning item had no encrypted_content: with store false the upstream could not use it.
    expect(input.map((i) => `${String(i.type)}:${String(i.role ?? '')}`)).toEqual([
      'message:user', 'message:assistant', 'message:user', 'message:assistant', 'message:user',
    ]);
    expect(sent.store).toBe(false);
    expect(sent).not.toHaveProperty('previous_response_id');
  });

  it('function calls from a native upstream come back as function_call items and round-trip', async () => {
    native.scenario = (_body, index) =>
      index % 2 === 0
        ? { kind: 'answer', answer: { text: '', toolCalls: [{ callId: 'call_n1', name: 'lookup', arguments: '{"q":"x"}' }] } }
        : { kind: 'answer', answer: { text: 'found it' } };
    const tools = [{ type: 'function' as const, name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } }, strict: false }];
    const before = native.responsesRequests().length;
    native.scenario = ((s) => (body: Json, index: number) => s(body, index - before))(native.scenario);
    const first = await client.responses.create({ model: 'thinkgate-reasoning', input: 'look it up', tools });
    expect(first.output[0]).toMatchObject({ type: 'function_call', call_id: 'call_n1', name: 'lookup', arguments: '{"q":"x"}' });
    const second = await client.responses.create({
      model: 'thinkgate-reasoning',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: 'call_n1', output: 'x=1' }],
      tools,
    });
    expect(second.output_text).toBe('found it');
    const input = (native.responsesRequests().at(-1)?.body as Json).input as Json[];
    expect(input.map((i) => i.type)).toEqual(['message', 'function_call', 'function_call_output']);
  });

  it('a native stream failing after it began ends in response.failed; an HTTP failure falls back to the chat tier', async () => {
    native.scenario = () => ({ kind: 'failed', code: 'server_error', message: 'model crashed' });
    const res = await post(gw, '/v1/responses', { model: 'thinkgate-reasoning', input: 'fail please', stream: true });
    // The upstream's own response.failed arrives after its 200: the gateway's stream has begun, so it fails too.
    const last = res.text.trim().split('\n\n').at(-1) ?? '';
    expect(last.startsWith('event: response.failed')).toBe(true);
    expect(last).toContain('model crashed');

    native.scenario = () => ({ kind: 'status', status: 503 });
    const fell = await post(gw, '/v1/responses', { model: 'thinkgate-reasoning', input: 'fall back please' });
    expect(fell.status).toBe(200);
    expect(fell.headers.get('x-thinkgate-fallback')).toBe('true');
    expect((fell.json as Json).model).toBe('fake-chat');
  });

  it('a chat client routed to the native upstream is mapped to the Responses API and answered in chat form', async () => {
    const chat = await client.chat.completions.create({
      model: 'thinkgate-reasoning',
      messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'chat to native' }],
      max_tokens: 50,
    });
    expect(chat.choices[0]?.message.content).toBe('native: chat to native');
    expect((chat.choices[0]?.message as unknown as Json).reasoning_content).toBe('native thoughts');
    expect(chat.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 20 });
    const sent = native.responsesRequests().at(-1)?.body as Json;
    expect(sent).toMatchObject({ model: 'native-reasoner', store: false, max_output_tokens: 50 });
    expect(sent.input).toEqual([
      { type: 'message', role: 'system', content: 'Be terse.' },
      { type: 'message', role: 'user', content: 'chat to native' },
    ]);
    const stream = await client.chat.completions.create({ model: 'thinkgate-reasoning', stream: true, messages: [{ role: 'user', content: 'stream chat' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('native: stream chat');
  });

  it('/v1/responses/compact goes to the native upstream with its model; input_tokens is counted locally', async () => {
    const res = await post(gw, '/v1/responses/compact', { model: 'auto', input: [{ role: 'user', content: 'long history' }] });
    const sent = native.requests.at(-1)!;
    expect(sent.url).toBe('/v1/responses/compact');
    expect(sent.body).toMatchObject({ model: 'native-reasoner', input: [{ role: 'user', content: 'long history' }] });
    // The fake serves no compaction: its answer (a 404 here) reaches the client as it is.
    expect(res.status).toBe(404);
    expect((res.json as { error: { message: string } }).error.message).toContain('fake responses upstream');
  });
});
