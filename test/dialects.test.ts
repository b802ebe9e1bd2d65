import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type OpenAI from 'openai';
import { startGateway, type TestGateway } from './support/gateway.js';
import { DIALECTS, type Dialect, type ExpectedMessage } from './support/dialects.js';

/**
 * Each row a server dialect, replayed byte for byte by a fake upstream. Through the official SDK, the four ways an
 * answer reaches a client must assemble to the same message: the live stream (a miss), the same stream replayed
 * from the cache, the JSON cache hit, and a non-stream miss.
 */

type Params = OpenAI.ChatCompletionCreateParamsNonStreaming;
type Chunk = OpenAI.ChatCompletionChunk & { choices: (OpenAI.ChatCompletionChunk.Choice & { delta: { reasoning_content?: string | null } })[] };

/** The fields every way must agree on; an empty content is no content (the SDK folds a stream's "" to null). */
function comparable(message: OpenAI.ChatCompletionMessage & { reasoning_content?: string | null; reasoning?: unknown }, finish: string | null): ExpectedMessage {
  const out: ExpectedMessage = { content: message.content === '' ? null : message.content, finish_reason: finish ?? 'none' };
  if (typeof message.reasoning_content === 'string' && message.reasoning_content !== '') out.reasoning_content = message.reasoning_content;
  if (message.tool_calls !== undefined) {
    // Every field of a call but the delta's own index (a provider's extra fields must survive the cache).
    out.tool_calls = message.tool_calls.map((t) => {
      const { index: _index, ...call } = t as typeof t & { index?: number };
      return call as NonNullable<ExpectedMessage['tool_calls']>[number];
    });
  }
  expect(message).not.toHaveProperty('reasoning');
  return out;
}

/** A streamed answer as the SDK assembles it (ChatCompletionStream); reasoning, which the SDK does not know, appended from the chunks. */
async function viaStream(client: OpenAI, params: Params): Promise<ExpectedMessage> {
  const stream = client.chat.completions.stream({ ...params, stream: true });
  let reasoning = '';
  stream.on('chunk', (chunk) => {
    for (const c of (chunk as Chunk).choices) reasoning += c.delta.reasoning_content ?? '';
  });
  const final = await stream.finalChatCompletion();
  const choice = final.choices[0]!;
  return comparable({ ...choice.message, reasoning_content: reasoning }, choice.finish_reason);
}

async function viaJson(client: OpenAI, params: Params): Promise<ExpectedMessage> {
  const res = await client.chat.completions.create(params);
  const choice = res.choices[0]!;
  return comparable(choice.message, choice.finish_reason);
}

describe.each(DIALECTS.map((d) => [d.name, d] as const))('dialect %s', (_name, dialect: Dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway((f) => ({
      upstreams: { reasoning: { baseUrl: f.reasoning.url, model: 'fake-reasoner', apiKey: 'sk-r', ...dialect.upstream } },
    }));
    gw.reasoning.scenario = () => ({ kind: 'dialect', json: dialect.json, sse: dialect.sse });
  });
  afterAll(() => gw.close());

  it(`live stream, replay from the cache, JSON hit and non-stream miss assemble to the same message (${dialect.server})`, async () => {
    const client = gw.client();
    const params: Params = { model: 'thinkgate-reasoning', temperature: 0, messages: [{ role: 'user', content: `question for ${dialect.name}` }] };
    const upstreamCalls = (): number => gw.reasoning.chatRequests().length;

    const live = await viaStream(client, params);
    expect(upstreamCalls()).toBe(1);
    const replay = await viaStream(client, params);
    const hit = await viaJson(client, params);
    expect(upstreamCalls()).toBe(1);
    const miss = await viaJson(client, { ...params, messages: [{ role: 'user', content: `another question for ${dialect.name}` }] });
    expect(upstreamCalls()).toBe(2);
    expect(gw.reasoning.chatRequests()[1]?.body).not.toHaveProperty('stream');

    expect(live).toEqual(dialect.expected);
    expect({ replay, hit, miss }).toEqual({ replay: live, hit: live, miss: live });
  });

  it('the Responses API gets the same answer, streamed and not', async () => {
    const client = gw.client();
    type Output = OpenAI.Responses.ResponseOutputItem;
    const view = (output: Output[]): ExpectedMessage => {
      const text = output.filter((o) => o.type === 'message').flatMap((o) => o.content).map((c) => (c.type === 'output_text' ? c.text : '')).join('');
      const reasoning = output.filter((o) => o.type === 'reasoning').flatMap((o) => o.content ?? []).map((c) => c.text).join('');
      const calls = output.filter((o) => o.type === 'function_call');
      const out: ExpectedMessage = { content: text === '' ? null : text, finish_reason: calls.length > 0 ? 'tool_calls' : 'stop' };
      if (reasoning !== '') out.reasoning_content = reasoning;
      if (calls.length > 0) out.tool_calls = calls.map((c) => ({ id: c.call_id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
      return out;
    };
    const stream = await client.responses.create({ model: 'thinkgate-reasoning', input: 'responses stream', stream: true });
    let streamed: Output[] = [];
    for await (const ev of stream) if (ev.type === 'response.completed') streamed = ev.response.output;
    const json = await client.responses.create({ model: 'thinkgate-reasoning', input: 'responses json' });
    const expected = { ...dialect.expected, tool_calls: dialect.expected.tool_calls?.map(({ id, function: fn }) => ({ id, type: 'function', function: fn })) };
    if (expected.tool_calls === undefined) delete expected.tool_calls;
    // A finish_reason other than tool calls or stop is not the Responses API's to carry; compare what it carries.
    expected.finish_reason = expected.tool_calls !== undefined ? 'tool_calls' : 'stop';
    expect(view(streamed)).toEqual(expected);
    expect(view(json.output)).toEqual(expected);
  });

  it('what the client is sent is plain SSE: one data line per event, each a chat chunk, then [DONE]', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: JSON.stringify({ model: 'thinkgate-reasoning', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'raw' }] }),
    });
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = text.slice(0, -2).split('\n\n');
    for (const event of events) expect(event).toMatch(/^data: [^\r\n]*$/);
    for (const event of events.slice(0, -1)) expect(JSON.parse(event.slice(6))).toHaveProperty('choices', expect.any(Array));
  });
});

describe('an answer that starts inside the thinking block, without implicitOpen configured', () => {
  const raw = 'Okay, the user asks 2+2.\n</think>\n\nThe answer is 4.';
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
    const c = (delta: Record<string, unknown>, finish: string | null = null): string =>
      `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'r1-distill', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const sse = [c({ role: 'assistant', content: '' }), ...raw.match(/.{1,6}/gs)!.map((p) => c({ content: p })), c({}, 'stop'), 'data: [DONE]\n\n'];
    const json = { id: 'x', object: 'chat.completion', created: 1, model: 'r1-distill', choices: [{ index: 0, message: { role: 'assistant', content: raw }, finish_reason: 'stop' }] };
    gw.reasoning.scenario = () => ({ kind: 'dialect', json, sse });
  });
  afterAll(() => gw.close());

  it('streams live as content (nothing held back), and is folded for the cache as the non-stream answer is split', async () => {
    const client = gw.client();
    const params: Params = { model: 'thinkgate-reasoning', temperature: 0, messages: [{ role: 'user', content: '2+2?' }] };
    const split: ExpectedMessage = { content: 'The answer is 4.', reasoning_content: 'Okay, the user asks 2+2.\n', finish_reason: 'stop' };
    expect(await viaStream(client, params)).toEqual({ content: raw, finish_reason: 'stop' });
    expect(await viaStream(client, params)).toEqual(split);
    expect(await viaJson(client, params)).toEqual(split);
    expect(await viaJson(client, { ...params, messages: [{ role: 'user', content: 'again' }] })).toEqual(split);
    expect(gw.reasoning.chatRequests()).toHaveLength(2);
  });
});
