import { readFileSync } from 'node:fs';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream, Scenario } from './support/fake-upstream.js';
import { DIRECT_KEY, REASONING_KEY, startGateway, type TestGateway } from './support/gateway.js';
import { clientTestConfig, startFakeResponsesUpstream, type FakeResponsesUpstream } from './support/responses-upstream.js';
import { DEEPSEEK_THINKING, OPENAI_CHAT, deepseekStringContent, deepseekThinkingReasoningContent, openaiAssistantContent, ollamaReasoningEffort, openaiMetadataNeedsStore, qwenSystemFirst, refuseWith, vllmToolArgumentsJson } from './support/strict-rules.js';

/**
 * Multi-turn conversations through the gateway to fake upstreams made as strict as the real providers (each rule in
 * test/support/strict-rules.ts carries the provider's error text and its source): what the gateway sends at every
 * turn must be something the provider accepts.
 */

type Json = Record<string, unknown>;
type Message = OpenAI.ChatCompletionMessageParam;
const sentMessages = (body: unknown): Json[] => (body as { messages: Json[] }).messages;

const tools: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
];
const toolCallAnswer: Scenario = { kind: 'answer', answer: { content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] } };

describe('DeepSeek thinking mode: reasoning_content on every assistant turn', () => {
  let gw: TestGateway;
  let reasoningRefusals: string[];
  let directRefusals: string[];
  beforeAll(async () => {
    gw = await startGateway((fakes) => ({
      upstreams: {
        reasoning: { baseUrl: fakes.reasoning.url, model: 'deepseek-reasoner', apiKey: REASONING_KEY, reasoningHistory: 'always' },
        // `keep` sends back only what the client has: not enough for a turn that never had reasoning.
        direct: { baseUrl: fakes.direct.url, model: 'deepseek-v4-flash', apiKey: DIRECT_KEY, reasoningHistory: 'keep' },
      },
    }));
    reasoningRefusals = refuseWith(gw.reasoning, [deepseekThinkingReasoningContent]);
    // The direct tier calls the tool whenever the user has just spoken.
    directRefusals = refuseWith(gw.direct, [deepseekThinkingReasoningContent], (body) =>
      (body.messages as Json[]).at(-1)?.role === 'user' ? toolCallAnswer : { kind: 'answer', answer: { content: 'unreachable' } },
    );
  });
  afterAll(() => gw.close());

  it('a tool call answered by the direct tier, continued on the reasoning tier (streamed, then not), is accepted', async () => {
    const client = gw.client();
    const messages: Message[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await client.chat.completions.create({ model: 'thinkgate-direct', messages, tools });
    const call = first.choices[0]?.message;
    expect(call?.tool_calls?.[0]?.id).toBe('call_1');
    messages.push(call as Message, { role: 'tool', tool_call_id: 'call_1', content: 'Sunny, 21 C' });

    // The follow-up goes to the thinking model: the direct tier's turn has no reasoning to send back.
    const stream = await client.chat.completions.create({ model: 'thinkgate-reasoning', messages, tools, stream: true });
    let content = '';
    let reasoning = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string | null; reasoning_content?: string } | undefined;
      content += delta?.content ?? '';
      reasoning += delta?.reasoning_content ?? '';
    }
    expect(reasoningRefusals).toEqual([]);
    expect(content).toContain('echo:');
    const second = sentMessages(gw.reasoning.chatRequests().at(-1)?.body);
    expect(second.find((m) => m.role === 'assistant')).toMatchObject({ reasoning_content: '', tool_calls: [{ id: 'call_1' }] });

    // Next user turn: the thinking model's own reasoning goes back as it was, the direct tier's as an empty one.
    messages.push({ role: 'assistant', content, reasoning_content: reasoning } as Message, { role: 'user', content: 'And tomorrow?' });
    const third = await client.chat.completions.create({ model: 'thinkgate-reasoning', messages, tools });
    expect(third.choices[0]?.message.content).toContain('echo: And tomorrow?');
    const sent = sentMessages(gw.reasoning.chatRequests().at(-1)?.body).filter((m) => m.role === 'assistant');
    expect(sent.map((m) => m.reasoning_content)).toEqual(['', 'Let me think: step one, step two.']);
    expect(reasoningRefusals).toEqual([]);
  });

  it('with reasoningHistory: keep the same follow-up is refused, as DeepSeek refuses it', async () => {
    const client = gw.client();
    const messages: Message[] = [{ role: 'user', content: 'Weather in Lyon?' }];
    const first = await client.chat.completions.create({ model: 'thinkgate-direct', messages, tools });
    messages.push(first.choices[0]?.message as Message, { role: 'tool', tool_call_id: 'call_1', content: 'Rain' });
    const err = await client.chat.completions.create({ model: 'thinkgate-direct', messages, tools }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400 });
    expect(directRefusals).toEqual(['The `reasoning_content` in the thinking mode must be passed back to the API.']);
  });
});

describe('content as arrays of text parts (LangChain, the Agents SDK chat model and others send them)', () => {
  let gw: TestGateway;
  let refusals: string[];
  beforeAll(async () => {
    gw = await startGateway();
    refusals = refuseWith(gw.direct, [deepseekStringContent]);
  });
  afterAll(() => gw.close());

  it('reach the upstream as strings, which DeepSeek requires; parts that are not plain text stay parts', async () => {
    const text = (t: string): { type: 'text'; text: string } => ({ type: 'text', text: t });
    const messages = [
      { role: 'system', content: [text('Be brief.'), text('Use metric units.')] },
      { role: 'user', content: [text('Weather in Paris?')] },
      { role: 'assistant', content: [text('Checking.')], tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: [text('Sunny'), text('21 C')] },
    ] as Message[];
    const res = await gw.client().chat.completions.create({ model: 'thinkgate-direct', messages, tools });
    expect(refusals).toEqual([]);
    expect(res.choices[0]?.message.content).toBeTruthy();
    const sent = sentMessages(gw.direct.chatRequests().at(-1)?.body);
    expect(sent.map((m) => m.content)).toEqual(['Be brief.\nUse metric units.', 'Weather in Paris?', 'Checking.', 'Sunny\n21 C']);

    // An image (or a text part with fields of its own, such as a cache_control mark) is left as the client sent it.
    const image = [text('What is this?'), { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }];
    const marked = [{ type: 'text', text: 'Long context', cache_control: { type: 'ephemeral' } }];
    await gw.client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'system', content: marked }, { role: 'user', content: image }] as Message[] }).catch(() => undefined);
    expect(sentMessages(gw.direct.chatRequests().at(-1)?.body).map((m) => m.content)).toEqual([marked, image]);
  });
});

describe('a Responses request with metadata, bridged to a chat upstream', () => {
  let gw: TestGateway;
  let refusals: string[];
  beforeAll(async () => {
    gw = await startGateway();
    refusals = refuseWith(gw.direct, [openaiMetadataNeedsStore]);
  });
  afterAll(() => gw.close());

  it('is accepted by OpenAI Chat Completions (metadata there needs store: true) and still echoes its metadata', async () => {
    const metadata = { run: 'nightly', team: 'search' };
    const request = { model: 'thinkgate-direct', input: 'Say hello.', metadata };
    const res = await gw.client().responses.create(request);
    expect(refusals).toEqual([]);
    expect(res.status).toBe('completed');
    expect(res.metadata).toEqual(metadata);
    const sent = gw.direct.chatRequests().at(-1)?.body as Json;
    expect(sent).not.toHaveProperty('metadata');
    expect(sent).not.toHaveProperty('store');

    const stream = await gw.client().responses.create({ ...request, input: 'Say hello again.', stream: true });
    let completed: { metadata?: unknown } | undefined;
    for await (const event of stream) if (event.type === 'response.completed') completed = event.response;
    expect(refusals).toEqual([]);
    expect(completed?.metadata).toEqual(metadata);
  });
});

describe('an assistant turn that only thought (no text, no tool call)', () => {
  let gw: TestGateway;
  let refusals: string[];
  beforeAll(async () => {
    gw = await startGateway();
    refusals = refuseWith(gw.direct, [openaiAssistantContent]);
  });
  afterAll(() => gw.close());

  it('reaches the upstream with empty content once its reasoning is stripped: OpenAI refuses null content without tool calls', async () => {
    // A chat client sends back DeepSeek's shape for an answer cut off while thinking.
    const messages = [
      { role: 'user', content: 'Prove it.' },
      { role: 'assistant', content: null, reasoning_content: 'Let me think about the proof' },
      { role: 'user', content: 'Just the answer, please.' },
    ] as Message[];
    await gw.client().chat.completions.create({ model: 'thinkgate-direct', messages });
    expect(refusals).toEqual([]);
    expect(sentMessages(gw.direct.chatRequests().at(-1)?.body)[1]).toEqual({ role: 'assistant', content: '' });

    // A Responses client (Codex, the Agents SDK) sends back a reasoning item that no message followed.
    const input = [
      { role: 'user' as const, content: 'Prove it.' },
      { type: 'reasoning' as const, id: 'rs_1', summary: [{ type: 'summary_text' as const, text: 'Let me think about the proof' }] },
      { role: 'user' as const, content: 'Just the answer, please.' },
    ];
    const res = await gw.client().responses.create({ model: 'thinkgate-direct', input });
    expect(refusals).toEqual([]);
    expect(res.status).toBe('completed');
    expect(sentMessages(gw.direct.chatRequests().at(-1)?.body).map((m) => [m.role, m.content])).toEqual([
      ['user', 'Prove it.'],
      ['assistant', ''],
      ['user', 'Just the answer, please.'],
    ]);
  });
});

describe('one conversation across tiers: DeepSeek thinking mode (reasoning) and OpenAI (direct)', () => {
  let gw: TestGateway;
  const refusals: Record<string, string[]> = {};
  beforeAll(async () => {
    gw = await startGateway((fakes) => ({
      upstreams: {
        reasoning: { baseUrl: fakes.reasoning.url, model: 'deepseek-reasoner', apiKey: REASONING_KEY, reasoningHistory: 'always' },
        direct: { baseUrl: fakes.direct.url, model: 'gpt-4o-mini', apiKey: DIRECT_KEY },
      },
    }));
    // Both call the tool when the user has just spoken and answer after its output; DeepSeek thinks first.
    const model = (reasoning?: string): FakeUpstream['scenario'] => (body) =>
      (body.messages as Json[]).at(-1)?.role === 'user'
        ? { kind: 'answer', answer: { content: '', toolCalls: [{ id: `call_${(body.messages as Json[]).length}`, name: 'get_weather', arguments: '{"city":"Paris"}' }], ...(reasoning ? { reasoning } : {}) } }
        : { kind: 'answer', answer: { content: 'It is sunny.', ...(reasoning ? { reasoning } : {}) } };
    refusals.reasoning = refuseWith(gw.reasoning, DEEPSEEK_THINKING, model('Check the tool.'));
    refusals.direct = refuseWith(gw.direct, OPENAI_CHAT, model());
  });
  afterAll(() => gw.close());

  it('tool call and reasoning from DeepSeek, the follow-ups on OpenAI, then back to DeepSeek: every request accepted', async () => {
    const client = gw.client();
    const messages: Message[] = [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: 'Weather in Paris?' }];
    const ask = async (model: string): Promise<OpenAI.ChatCompletionMessage> => {
      const res = await client.chat.completions.create({ model, messages, tools });
      const message = res.choices[0]?.message as OpenAI.ChatCompletionMessage;
      messages.push(message as Message);
      return message;
    };
    const call = await ask('thinkgate-reasoning');
    expect(call).toMatchObject({ reasoning_content: 'Check the tool.' });
    messages.push({ role: 'tool', tool_call_id: call.tool_calls?.[0]?.id ?? '', content: 'Sunny' });
    expect((await ask('thinkgate-direct')).content).toBe('It is sunny.');
    messages.push({ role: 'user', content: 'And tomorrow?' });
    const call2 = await ask('thinkgate-direct');
    messages.push({ role: 'tool', tool_call_id: call2.tool_calls?.[0]?.id ?? '', content: 'Rain' });
    expect((await ask('thinkgate-reasoning')).content).toBe('It is sunny.');

    expect(refusals).toEqual({ reasoning: [], direct: [] });
    // OpenAI saw no reasoning and no developer role; DeepSeek saw reasoning_content on every assistant turn.
    const toOpenAI = sentMessages(gw.direct.chatRequests().at(-1)?.body);
    expect(toOpenAI.some((m) => 'reasoning_content' in m)).toBe(false);
    const toDeepSeek = sentMessages(gw.reasoning.chatRequests().at(-1)?.body);
    expect(toDeepSeek.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user', 'assistant', 'tool']);
    expect(toDeepSeek.filter((m) => m.role === 'assistant').map((m) => m.reasoning_content)).toEqual(['Check the tool.', '', '']);
  });
});

describe("Codex CLI's captured second turn (developer messages, part arrays, reasoning, a call and its output), bridged", () => {
  let gw: TestGateway;
  const refusals: Record<string, string[]> = {};
  beforeAll(async () => {
    gw = await startGateway((fakes) => ({
      upstreams: {
        reasoning: { baseUrl: fakes.reasoning.url, model: 'deepseek-reasoner', apiKey: REASONING_KEY, reasoningHistory: 'always' },
        direct: { baseUrl: fakes.direct.url, model: 'gpt-4o-mini', apiKey: DIRECT_KEY },
      },
    }));
    refusals.reasoning = refuseWith(gw.reasoning, DEEPSEEK_THINKING);
    refusals.direct = refuseWith(gw.direct, OPENAI_CHAT);
  });
  afterAll(() => gw.close());

  const captured = (JSON.parse(readFileSync(new URL('./support/responses-codex-request-turn2.json', import.meta.url), 'utf8')) as { body: Json }).body;

  it.each([
    { tier: 'reasoning' as const, model: 'thinkgate-reasoning' },
    { tier: 'direct' as const, model: 'thinkgate-direct' },
  ])('is accepted on the $tier tier, streamed as Codex streams it', async ({ tier, model }) => {
    const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-codex' }, body: JSON.stringify({ ...captured, model }) });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('response.completed');
    expect(refusals[tier]).toEqual([]);
    const sent = sentMessages(gw[tier].chatRequests().at(-1)?.body);
    expect(sent.map((m) => m.role)).toEqual(['system', 'user', 'user', 'assistant', 'tool']);
    expect(sent.every((m) => typeof m.content === 'string' || (m.role === 'assistant' && m.content === null))).toBe(true);
    expect(sent[3]).toMatchObject({ tool_calls: [{ id: 'call_1', type: 'function' }] });
    if (tier === 'reasoning') expect(sent[3]?.reasoning_content).toBe('thinking about it');
    else expect(sent[3]).not.toHaveProperty('reasoning_content');
  });
});

describe('a tool call without arguments in the history', () => {
  let gw: TestGateway;
  let refusals: string[];
  beforeAll(async () => {
    gw = await startGateway();
    // The reasoning tier's model calls a tool that takes nothing with empty arguments (some servers stream none).
    gw.reasoning.scenario = () => ({ kind: 'answer', answer: { content: '', toolCalls: [{ id: 'call_time', name: 'get_time', arguments: '' }] } });
    refusals = refuseWith(gw.direct, [vllmToolArgumentsJson]);
  });
  afterAll(() => gw.close());

  it('reaches a vLLM upstream with {} as its arguments: vLLM parses them as JSON for the template', async () => {
    const client = gw.client();
    const timeTool: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } }];
    const messages: Message[] = [{ role: 'user', content: 'What time is it?' }];
    const first = await client.chat.completions.create({ model: 'thinkgate-reasoning', messages, tools: timeTool });
    const call = first.choices[0]?.message as OpenAI.ChatCompletionMessage;
    expect(call.tool_calls?.[0]).toMatchObject({ id: 'call_time', function: { name: 'get_time', arguments: '' } });
    messages.push(call as Message, { role: 'tool', tool_call_id: 'call_time', content: '12:00' });
    await client.chat.completions.create({ model: 'thinkgate-direct', messages, tools: timeTool });
    expect(refusals).toEqual([]);
    const sent = sentMessages(gw.direct.chatRequests().at(-1)?.body);
    expect(sent[1]).toMatchObject({ tool_calls: [{ id: 'call_time', function: { name: 'get_time', arguments: '{}' } }] });
  });
});

describe('a namespace tool whose flattened name is longer than 64 characters (an MCP server with a long name)', () => {
  let gw: TestGateway;
  let refusals: string[];
  const namespace = 'mcp__plugin_chrome-devtools-mcp_chrome-devtools';
  const name = 'get_console_message';
  beforeAll(async () => {
    gw = await startGateway();
    // The model calls the tool by the name it was given, then answers once the output is there.
    refusals = refuseWith(gw.direct, OPENAI_CHAT, (body) => {
      const given = ((body.tools as Json[])[0]?.function as Json).name as string;
      return (body.messages as Json[]).at(-1)?.role === 'tool'
        ? { kind: 'answer', answer: { content: 'No errors.' } }
        : { kind: 'answer', answer: { content: '', toolCalls: [{ id: 'call_dev', name: given, arguments: '{}' }] } };
    });
  });
  afterAll(() => gw.close());

  it('goes upstream under a name OpenAI and DeepSeek accept; the call comes back with its own name and namespace, and the next turn matches', async () => {
    const tools = [{ type: 'namespace', name: namespace, description: 'DevTools', tools: [{ type: 'function', name, parameters: { type: 'object', properties: {} } }] }];
    const post = async (input: unknown[]): Promise<Json> => {
      const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'thinkgate-direct', input, tools }) });
      expect(res.status).toBe(200);
      return (await res.json()) as Json;
    };
    const first = await post([{ role: 'user', content: 'Any console errors?' }]);
    expect(refusals).toEqual([]);
    const call = (first.output as Json[]).find((i) => i.type === 'function_call');
    expect(call).toMatchObject({ name, namespace, call_id: 'call_dev' });
    const flat = (((gw.direct.chatRequests().at(-1)?.body as Json).tools as Json[])[0]?.function as Json).name as string;
    expect(flat.length).toBeLessThanOrEqual(64);
    expect(flat).toMatch(/^[a-zA-Z0-9_-]+$/);

    const second = await post([{ role: 'user', content: 'Any console errors?' }, call, { type: 'function_call_output', call_id: 'call_dev', output: '[]' }]);
    expect(refusals).toEqual([]);
    expect((second.output as Json[]).at(-1)).toMatchObject({ type: 'message' });
    const history = sentMessages(gw.direct.chatRequests().at(-1)?.body);
    expect(history[1]).toMatchObject({ tool_calls: [{ id: 'call_dev', function: { name: flat } }] });
  });
});

describe("Codex's instructions and developer messages, bridged to a Qwen3.6 model on vLLM", () => {
  let gw: TestGateway;
  let refusals: string[];
  beforeAll(async () => {
    gw = await startGateway((fakes) => ({ upstreams: { direct: { baseUrl: fakes.direct.url, model: 'Qwen/Qwen3.6-27B', apiKey: DIRECT_KEY } } }));
    refusals = refuseWith(gw.direct, [qwenSystemFirst, vllmToolArgumentsJson]);
  });
  afterAll(() => gw.close());

  const captured = (JSON.parse(readFileSync(new URL('./support/responses-codex-request-turn1.json', import.meta.url), 'utf8')) as { body: Json }).body;

  it('reach it as one leading system message, in order: its template refuses a second one', async () => {
    const body = { ...captured, model: 'thinkgate-direct', instructions: 'You are Codex.' };
    const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('response.completed');
    expect(refusals).toEqual([]);
    const sent = sentMessages(gw.direct.chatRequests().at(-1)?.body);
    expect(sent.map((m) => m.role)).toEqual(['system', 'user', 'user']);
    const developer = (captured.input as { content: { text: string }[] }[]).slice(0, 2).map((m) => m.content.map((p) => p.text).join('\n'));
    expect(sent[0]?.content).toBe(['You are Codex.', ...developer].join('\n\n'));
  });
});

describe('a function_call_output holding an image (Codex view_image, a screenshot tool), bridged to OpenAI Chat Completions', () => {
  let gw: TestGateway;
  let refusals: string[];
  beforeAll(async () => {
    gw = await startGateway();
    refusals = refuseWith(gw.direct, OPENAI_CHAT);
  });
  afterAll(() => gw.close());

  const image = 'data:image/png;base64,iVBORw0KGgo=';
  const call = (id: string, name: string): Json => ({ type: 'function_call', call_id: id, name, arguments: '{}' });
  const tools = ['view_image', 'list_files'].map((name) => ({ type: 'function', name, parameters: { type: 'object', properties: {} } }));
  const post = async (input: unknown[]): Promise<Json[]> => {
    const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'thinkgate-direct', input, tools }) });
    expect(res.status).toBe(200);
    return sentMessages(gw.direct.chatRequests().at(-1)?.body);
  };

  it('reaches it as the tool text, then a user message with the image after the calls are all answered', async () => {
    const sent = await post([
      { role: 'user', content: 'What is in the screenshot, and which files are there?' },
      call('call_img', 'view_image'),
      call('call_ls', 'list_files'),
      { type: 'function_call_output', call_id: 'call_img', output: [{ type: 'input_text', text: 'Screenshot of the login page' }, { type: 'input_image', image_url: image }] },
      { type: 'function_call_output', call_id: 'call_ls', output: 'a.txt b.txt' },
    ]);
    expect(refusals).toEqual([]);
    expect(sent.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'user']);
    expect(sent[2]).toEqual({ role: 'tool', tool_call_id: 'call_img', content: 'Screenshot of the login page' });
    expect(sent[4]?.content).toEqual([{ type: 'image_url', image_url: { url: image } }]);
  });

  it('an output that is only an image leaves the tool message a note saying where it is', async () => {
    const sent = await post([{ role: 'user', content: 'Look.' }, call('call_img', 'view_image'), { type: 'function_call_output', call_id: 'call_img', output: [{ type: 'input_image', image_url: image, detail: 'low' }] }]);
    expect(refusals).toEqual([]);
    expect(sent.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'user']);
    expect(typeof sent[2]?.content).toBe('string');
    expect(sent[2]?.content).not.toBe('');
    expect(sent[3]?.content).toEqual([{ type: 'image_url', image_url: { url: image, detail: 'low' } }]);
  });
});

describe('a reasoning effort the upstream does not know (Codex profiles set xhigh; Ollama takes none, low, medium, high, max)', () => {
  let gw: TestGateway;
  let refusals: string[];
  beforeAll(async () => {
    gw = await startGateway((fakes) => ({
      upstreams: {
        reasoning: {
          baseUrl: fakes.reasoning.url,
          model: 'gpt-oss:120b',
          apiKey: REASONING_KEY,
          acceptsReasoningEffort: true,
          reasoningEfforts: ['none', 'low', 'medium', 'high', 'max'],
        },
      },
    }));
    refusals = refuseWith(gw.reasoning, [ollamaReasoningEffort]);
  });
  afterAll(() => gw.close());

  it('is sent as the nearest one it lists (the higher on a tie), from chat and from Responses', async () => {
    const client = gw.client();
    const efforts = async (): Promise<unknown> => (gw.reasoning.chatRequests().at(-1)?.body as Json).reasoning_effort;
    await client.chat.completions.create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'Think hard.' }], reasoning_effort: 'xhigh' });
    expect(await efforts()).toBe('max');
    await client.responses.create({ model: 'thinkgate-reasoning', input: 'Think harder.', reasoning: { effort: 'xhigh' } });
    expect(await efforts()).toBe('max');
    await client.chat.completions.create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'Think.' }], reasoning_effort: 'medium' });
    expect(await efforts()).toBe('medium');
    expect(refusals).toEqual([]);
  });
});

describe('items the chat tier answered, sent back to a native Responses upstream (which the gateway asks to store nothing)', () => {
  let gw: TestGateway;
  let native: FakeResponsesUpstream;
  const refusals: string[] = [];
  beforeAll(async () => {
    native = await startFakeResponsesUpstream();
    gw = await startGateway(() => clientTestConfig(native, 'direct'));
    gw.reasoning.scenario = () => ({ kind: 'answer', answer: { content: 'Let me look.', toolCalls: [{ id: 'call_ls', name: 'list_files', arguments: '{}' }] } });
    // OpenAI with store: false keeps no items and has been reported to answer 404 to an input item carrying an id
    // it never stored (https://github.com/jrkropp/open-webui-developer-toolkit/pull/714); Codex never sends ids.
    const answer = native.scenario;
    native.scenario = (body, n) => {
      const stale = (body.input as Json[]).find((i) => typeof i.id === 'string');
      if (body.store !== false || stale === undefined) return answer(body, n);
      const message = `Item with id '${String(stale.id)}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`;
      refusals.push(message);
      return { kind: 'status', status: 404, body: { error: { message, type: 'invalid_request_error', param: 'input', code: null } } };
    };
  });
  afterAll(async () => {
    await gw.close();
    await native.close();
  });

  it('reach it without their ids, and are accepted', async () => {
    const tools = [{ type: 'function', name: 'list_files', parameters: { type: 'object', properties: {} } }];
    const post = async (model: string, input: unknown[]): Promise<Json> => {
      const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, input, tools }) });
      expect(res.status).toBe(200);
      return (await res.json()) as Json;
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
    const sent = native.responsesRequests().at(-1)?.body as Json;
    expect(sent.store).toBe(false);
    expect((sent.input as Json[]).map((i) => i.type ?? i.role)).toEqual(['message', 'message', 'function_call', 'function_call_output']);
    expect((sent.input as Json[]).some((i) => 'id' in i)).toBe(false);
  });
});
