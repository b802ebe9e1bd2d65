import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream, Scenario } from './support/fake-upstream.js';
import { DIRECT_KEY, REASONING_KEY, startGateway, type TestGateway } from './support/gateway.js';
import { sentMessages, strictDirect, strictTiers } from './support/strict-gateway.js';
import {
  deepseekStringContent,
  deepseekThinkingReasoningContent,
  ollamaReasoningEffort,
  openaiAssistantContent,
  refuseWith,
  vllmToolArgumentsJson,
} from './support/strict-rules.js';

/**
 * Multi-turn chat conversations through the gateway to fake upstreams made as strict as the real providers (each
 * rule in test/support/strict-rules.ts carries the provider's error text and its source): what the gateway sends at
 * every turn must be something the provider accepts. The Responses bridge's side: test/strict-bridge.test.ts.
 */

type Json = Record<string, unknown>;
type Message = OpenAI.ChatCompletionMessageParam;

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
  const s = strictDirect([deepseekStringContent]);

  it('reach the upstream as strings, which DeepSeek requires; parts that are not plain text stay parts', async () => {
    const text = (t: string): { type: 'text'; text: string } => ({ type: 'text', text: t });
    const messages = [
      { role: 'system', content: [text('Be brief.'), text('Use metric units.')] },
      { role: 'user', content: [text('Weather in Paris?')] },
      { role: 'assistant', content: [text('Checking.')], tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: [text('Sunny'), text('21 C')] },
    ] as Message[];
    const res = await s.gw.client().chat.completions.create({ model: 'thinkgate-direct', messages, tools });
    expect(s.refusals).toEqual([]);
    expect(res.choices[0]?.message.content).toBeTruthy();
    const sent = sentMessages(s.gw.direct.chatRequests().at(-1)?.body);
    expect(sent.map((m) => m.content)).toEqual(['Be brief.\nUse metric units.', 'Weather in Paris?', 'Checking.', 'Sunny\n21 C']);

    // An image (or a text part with fields of its own, such as a cache_control mark) is left as the client sent it.
    const image = [text('What is this?'), { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }];
    const marked = [{ type: 'text', text: 'Long context', cache_control: { type: 'ephemeral' } }];
    await s.gw.client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'system', content: marked }, { role: 'user', content: image }] as Message[] }).catch(() => undefined);
    expect(sentMessages(s.gw.direct.chatRequests().at(-1)?.body).map((m) => m.content)).toEqual([marked, image]);
  });
});

describe('an assistant turn that only thought (no text, no tool call)', () => {
  const s = strictDirect([openaiAssistantContent]);

  it('reaches the upstream with empty content once its reasoning is stripped: OpenAI refuses null content without tool calls', async () => {
    // A chat client sends back DeepSeek's shape for an answer cut off while thinking.
    const messages = [
      { role: 'user', content: 'Prove it.' },
      { role: 'assistant', content: null, reasoning_content: 'Let me think about the proof' },
      { role: 'user', content: 'Just the answer, please.' },
    ] as Message[];
    await s.gw.client().chat.completions.create({ model: 'thinkgate-direct', messages });
    expect(s.refusals).toEqual([]);
    expect(sentMessages(s.gw.direct.chatRequests().at(-1)?.body)[1]).toEqual({ role: 'assistant', content: '' });

    // A Responses client (Codex, the Agents SDK) sends back a reasoning item that no message followed.
    const input = [
      { role: 'user' as const, content: 'Prove it.' },
      { type: 'reasoning' as const, id: 'rs_1', summary: [{ type: 'summary_text' as const, text: 'Let me think about the proof' }] },
      { role: 'user' as const, content: 'Just the answer, please.' },
    ];
    const res = await s.gw.client().responses.create({ model: 'thinkgate-direct', input });
    expect(s.refusals).toEqual([]);
    expect(res.status).toBe('completed');
    expect(sentMessages(s.gw.direct.chatRequests().at(-1)?.body).map((m) => [m.role, m.content])).toEqual([
      ['user', 'Prove it.'],
      ['assistant', ''],
      ['user', 'Just the answer, please.'],
    ]);
  });
});

describe('one conversation across tiers: DeepSeek thinking mode (reasoning) and OpenAI (direct)', () => {
  // Both call the tool when the user has just spoken and answer after its output; DeepSeek thinks first.
  const model = (reasoning?: string): FakeUpstream['scenario'] => (body) =>
    (body.messages as Json[]).at(-1)?.role === 'user'
      ? { kind: 'answer', answer: { content: '', toolCalls: [{ id: `call_${(body.messages as Json[]).length}`, name: 'get_weather', arguments: '{"city":"Paris"}' }], ...(reasoning ? { reasoning } : {}) } }
      : { kind: 'answer', answer: { content: 'It is sunny.', ...(reasoning ? { reasoning } : {}) } };
  const s = strictTiers({ reasoning: model('Check the tool.'), direct: model() });

  it('tool call and reasoning from DeepSeek, the follow-ups on OpenAI, then back to DeepSeek: every request accepted', async () => {
    const client = s.gw.client();
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

    expect(s.refusals).toEqual({ reasoning: [], direct: [] });
    // OpenAI saw no reasoning and no developer role; DeepSeek saw reasoning_content on every assistant turn.
    const toOpenAI = sentMessages(s.gw.direct.chatRequests().at(-1)?.body);
    expect(toOpenAI.some((m) => 'reasoning_content' in m)).toBe(false);
    const toDeepSeek = sentMessages(s.gw.reasoning.chatRequests().at(-1)?.body);
    expect(toDeepSeek.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user', 'assistant', 'tool']);
    expect(toDeepSeek.filter((m) => m.role === 'assistant').map((m) => m.reasoning_content)).toEqual(['Check the tool.', '', '']);
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
