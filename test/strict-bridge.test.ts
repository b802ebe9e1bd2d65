import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECT_KEY, startGateway, type TestGateway } from './support/gateway.js';
import { clientTestConfig, startFakeResponsesUpstream, type FakeResponsesUpstream } from './support/responses-upstream.js';
import { postResponses, sentMessages, strictDirect, strictTiers } from './support/strict-gateway.js';
import { OPENAI_CHAT, openaiMetadataNeedsStore, qwenSystemFirst, vllmToolArgumentsJson } from './support/strict-rules.js';

/**
 * Responses clients (Codex's captured requests, the openai SDK, the Agents SDK's item shapes) through the gateway's
 * Responses → chat bridge, and to a native Responses upstream, against fake upstreams made as strict as the real
 * providers (rules and sources in test/support/strict-rules.ts). The chat side: test/strict-upstreams.test.ts.
 */

type Json = Record<string, unknown>;
const codexTurn = (n: 1 | 2): Json => (JSON.parse(readFileSync(new URL(`./support/responses-codex-request-turn${n}.json`, import.meta.url), 'utf8')) as { body: Json }).body;

describe('a Responses request with metadata, bridged to a chat upstream', () => {
  const s = strictDirect([openaiMetadataNeedsStore]);

  it('is accepted by OpenAI Chat Completions (metadata there needs store: true) and still echoes its metadata', async () => {
    const metadata = { run: 'nightly', team: 'search' };
    const request = { model: 'thinkgate-direct', input: 'Say hello.', metadata };
    const res = await s.gw.client().responses.create(request);
    expect(s.refusals).toEqual([]);
    expect(res.status).toBe('completed');
    expect(res.metadata).toEqual(metadata);
    const sent = s.gw.direct.chatRequests().at(-1)?.body as Json;
    expect(sent).not.toHaveProperty('metadata');
    expect(sent).not.toHaveProperty('store');

    const stream = await s.gw.client().responses.create({ ...request, input: 'Say hello again.', stream: true });
    let completed: { metadata?: unknown } | undefined;
    for await (const event of stream) if (event.type === 'response.completed') completed = event.response;
    expect(s.refusals).toEqual([]);
    expect(completed?.metadata).toEqual(metadata);
  });
});

describe("Codex CLI's captured second turn (developer messages, part arrays, reasoning, a call and its output), bridged", () => {
  const s = strictTiers();

  const captured = codexTurn(2);

  it.each([
    { tier: 'reasoning' as const, model: 'thinkgate-reasoning' },
    { tier: 'direct' as const, model: 'thinkgate-direct' },
  ])('is accepted on the $tier tier, streamed as Codex streams it', async ({ tier, model }) => {
    const { status, text } = await postResponses(s.gw, { ...captured, model });
    expect(status).toBe(200);
    expect(text).toContain('response.completed');
    expect(s.refusals[tier]).toEqual([]);
    const sent = sentMessages(s.gw[tier].chatRequests().at(-1)?.body);
    expect(sent.map((m) => m.role)).toEqual(['system', 'user', 'user', 'assistant', 'tool']);
    expect(sent.every((m) => typeof m.content === 'string' || (m.role === 'assistant' && m.content === null))).toBe(true);
    expect(sent[3]).toMatchObject({ tool_calls: [{ id: 'call_1', type: 'function' }] });
    if (tier === 'reasoning') expect(sent[3]?.reasoning_content).toBe('thinking about it');
    else expect(sent[3]).not.toHaveProperty('reasoning_content');
  });
});

describe('a namespace tool whose flattened name is longer than 64 characters (an MCP server with a long name)', () => {
  const namespace = 'mcp__plugin_chrome-devtools-mcp_chrome-devtools';
  const name = 'get_console_message';
  // The model calls the tool by the name it was given, then answers once the output is there.
  const s = strictDirect(OPENAI_CHAT, undefined, (body) => {
    const given = ((body.tools as Json[])[0]?.function as Json).name as string;
    return (body.messages as Json[]).at(-1)?.role === 'tool'
      ? { kind: 'answer', answer: { content: 'No errors.' } }
      : { kind: 'answer', answer: { content: '', toolCalls: [{ id: 'call_dev', name: given, arguments: '{}' }] } };
  });

  it('goes upstream under a name OpenAI and DeepSeek accept; the call comes back with its own name and namespace, and the next turn matches', async () => {
    const tools = [{ type: 'namespace', name: namespace, description: 'DevTools', tools: [{ type: 'function', name, parameters: { type: 'object', properties: {} } }] }];
    const post = async (input: unknown[]): Promise<Json> => {
      const { status, json } = await postResponses(s.gw, { model: 'thinkgate-direct', input, tools });
      expect(status).toBe(200);
      return json;
    };
    const first = await post([{ role: 'user', content: 'Any console errors?' }]);
    expect(s.refusals).toEqual([]);
    const call = (first.output as Json[]).find((i) => i.type === 'function_call');
    expect(call).toMatchObject({ name, namespace, call_id: 'call_dev' });
    const flat = (((s.gw.direct.chatRequests().at(-1)?.body as Json).tools as Json[])[0]?.function as Json).name as string;
    expect(flat.length).toBeLessThanOrEqual(64);
    expect(flat).toMatch(/^[a-zA-Z0-9_-]+$/);

    const second = await post([{ role: 'user', content: 'Any console errors?' }, call, { type: 'function_call_output', call_id: 'call_dev', output: '[]' }]);
    expect(s.refusals).toEqual([]);
    expect((second.output as Json[]).at(-1)).toMatchObject({ type: 'message' });
    const history = sentMessages(s.gw.direct.chatRequests().at(-1)?.body);
    expect(history[1]).toMatchObject({ tool_calls: [{ id: 'call_dev', function: { name: flat } }] });
  });
});

describe("Codex's instructions and developer messages, bridged to a Qwen3.6 model on vLLM", () => {
  const s = strictDirect([qwenSystemFirst, vllmToolArgumentsJson], (fakes) => ({ upstreams: { direct: { baseUrl: fakes.direct.url, model: 'Qwen/Qwen3.6-27B', apiKey: DIRECT_KEY } } }));

  const captured = codexTurn(1);

  it('reach it as one leading system message, in order: its template refuses a second one', async () => {
    const { status, text } = await postResponses(s.gw, { ...captured, model: 'thinkgate-direct', instructions: 'You are Codex.' });
    expect(status).toBe(200);
    expect(text).toContain('response.completed');
    expect(s.refusals).toEqual([]);
    const sent = sentMessages(s.gw.direct.chatRequests().at(-1)?.body);
    expect(sent.map((m) => m.role)).toEqual(['system', 'user', 'user']);
    const developer = (captured.input as { content: { text: string }[] }[]).slice(0, 2).map((m) => m.content.map((p) => p.text).join('\n'));
    expect(sent[0]?.content).toBe(['You are Codex.', ...developer].join('\n\n'));
  });
});

describe('a function_call_output holding an image (Codex view_image, a screenshot tool), bridged to OpenAI Chat Completions', () => {
  const s = strictDirect(OPENAI_CHAT);

  const image = 'data:image/png;base64,iVBORw0KGgo=';
  const call = (id: string, name: string): Json => ({ type: 'function_call', call_id: id, name, arguments: '{}' });
  const tools = ['view_image', 'list_files'].map((name) => ({ type: 'function', name, parameters: { type: 'object', properties: {} } }));
  const post = async (input: unknown[]): Promise<Json[]> => {
    expect((await postResponses(s.gw, { model: 'thinkgate-direct', input, tools })).status).toBe(200);
    return sentMessages(s.gw.direct.chatRequests().at(-1)?.body);
  };

  it('reaches it as the tool text, then a user message with the image after the calls are all answered', async () => {
    const sent = await post([
      { role: 'user', content: 'What is in the screenshot, and which files are there?' },
      call('call_img', 'view_image'),
      call('call_ls', 'list_files'),
      { type: 'function_call_output', call_id: 'call_img', output: [{ type: 'input_text', text: 'Screenshot of the login page' }, { type: 'input_image', image_url: image }] },
      { type: 'function_call_output', call_id: 'call_ls', output: 'a.txt b.txt' },
    ]);
    expect(s.refusals).toEqual([]);
    expect(sent.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'user']);
    expect(sent[2]).toEqual({ role: 'tool', tool_call_id: 'call_img', content: 'Screenshot of the login page' });
    expect(sent[4]?.content).toEqual([{ type: 'image_url', image_url: { url: image } }]);
  });

  it('an output that is only an image leaves the tool message a note saying where it is', async () => {
    const sent = await post([{ role: 'user', content: 'Look.' }, call('call_img', 'view_image'), { type: 'function_call_output', call_id: 'call_img', output: [{ type: 'input_image', image_url: image, detail: 'low' }] }]);
    expect(s.refusals).toEqual([]);
    expect(sent.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'user']);
    expect(typeof sent[2]?.content).toBe('string');
    expect(sent[2]?.content).not.toBe('');
    expect(sent[3]?.content).toEqual([{ type: 'image_url', image_url: { url: image, detail: 'low' } }]);
  });
});

/**
 * A gateway whose direct tier is a native Responses upstream that refuses what `refuse` names (the provider's
 * message, or undefined to answer as usual); every refusal is kept in `refusals`.
 */
function nativeThatRefuses(refuse: (body: Json) => { status: number; message: string; param: string; code: string | null } | undefined): { refusals: string[]; gw: () => TestGateway; native: () => FakeResponsesUpstream } {
  let gw: TestGateway;
  let native: FakeResponsesUpstream;
  const refusals: string[] = [];
  beforeAll(async () => {
    native = await startFakeResponsesUpstream();
    gw = await startGateway(() => clientTestConfig(native, 'direct'));
    const answer = native.scenario;
    native.scenario = (body, n) => {
      const refusal = refuse(body);
      if (refusal === undefined) return answer(body, n);
      refusals.push(refusal.message);
      return { kind: 'status', status: refusal.status, body: { error: { message: refusal.message, type: 'invalid_request_error', param: refusal.param, code: refusal.code } } };
    };
  });
  afterAll(async () => {
    await gw.close();
    await native.close();
  });
  return { refusals, gw: () => gw, native: () => native };
}

describe('items the chat tier answered, sent back to a native Responses upstream (which the gateway asks to store nothing)', () => {
  // OpenAI with store: false keeps no items and has been reported to answer 404 to an input item carrying an id
  // it never stored (https://github.com/jrkropp/open-webui-developer-toolkit/pull/714); Codex never sends ids.
  const { refusals, gw: gateway, native: upstream } = nativeThatRefuses((body) => {
    const stale = (body.input as Json[]).find((i) => typeof i.id === 'string');
    if (body.store !== false || stale === undefined) return undefined;
    return { status: 404, param: 'input', code: null, message: `Item with id '${String(stale.id)}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.` };
  });
  beforeAll(() => {
    gateway().reasoning.scenario = () => ({ kind: 'answer', answer: { content: 'Let me look.', toolCalls: [{ id: 'call_ls', name: 'list_files', arguments: '{}' }] } });
  });

  it('reach it without their ids, and are accepted', async () => {
    const tools = [{ type: 'function', name: 'list_files', parameters: { type: 'object', properties: {} } }];
    const post = async (model: string, input: unknown[]): Promise<Json> => {
      const { status, json } = await postResponses(gateway(), { model, input, tools });
      expect(status).toBe(200);
      return json;
    };
    const input: unknown[] = [{ role: 'user', content: 'Which files are there?' }];
    const first = await post('thinkgate-reasoning', input);
    const output = first.output as Json[];
    expect(output.map((i) => i.type)).toEqual(['message', 'function_call']);
    expect(output.every((i) => typeof i.id === 'string')).toBe(true);
    // The Agents SDK sends the output items back as it got them, ids included.
    const second = await post('thinkgate-direct', [...input, ...output, { type: 'function_call_output', call_id: 'call_ls', output: 'a.txt' }]);
    expect(refusals).toEqual([]);
    expect(second.status).toBe('completed');
    const sent = upstream().responsesRequests().at(-1)?.body as Json;
    expect(sent.store).toBe(false);
    expect((sent.input as Json[]).map((i) => i.type ?? i.role)).toEqual(['message', 'message', 'function_call', 'function_call_output']);
    expect((sent.input as Json[]).some((i) => 'id' in i)).toBe(false);
  });
});

describe('a chat request with a small max_tokens, to a native Responses upstream', () => {
  // OpenAI's Responses API takes max_output_tokens from 16 (Chat Completions from 1): https://github.com/vectorize-io/hindsight/issues/58.
  const { refusals, gw: gateway, native: upstream } = nativeThatRefuses((body) => {
    const max = body.max_output_tokens;
    if (typeof max !== 'number' || max >= 16) return undefined;
    return { status: 400, param: 'max_output_tokens', code: 'integer_below_min_value', message: `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got ${max} instead.` };
  });

  it('asks it for the 16 tokens it allows at the least (a title generator asks for 10)', async () => {
    const res = await gateway().client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'Title for this chat?' }], max_tokens: 10 });
    expect(refusals).toEqual([]);
    expect(res.choices[0]?.message.content).toBeTruthy();
    expect((upstream().responsesRequests().at(-1)?.body as Json).max_output_tokens).toBe(16);
    await gateway().client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'A longer answer?' }], max_completion_tokens: 200 });
    expect((upstream().responsesRequests().at(-1)?.body as Json).max_output_tokens).toBe(200);
  });
});
