import { readJson } from './support/http.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startGateway, type TestGateway, REASONING_KEY, DIRECT_KEY } from './support/gateway.js';
import type { RecordedRequest } from './support/fake-upstream.js';

const lastBody = (reqs: RecordedRequest[]): Record<string, unknown> => reqs[reqs.length - 1]?.body as Record<string, unknown>;

describe('POST /v1/chat/completions through the OpenAI SDK', () => {
  let gw: TestGateway;
  let openai: OpenAI;
  beforeAll(async () => {
    gw = await startGateway();
    openai = gw.client();
  });
  afterAll(() => gw.close());

  it('answers non-streaming from the reasoning upstream with its reasoning text, with decision headers', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'Prove that sqrt(2) is irrational.' }] })
      .withResponse();
    expect(response.headers.get('x-thinkgate-route')).toBe('reasoning');
    expect(Number(response.headers.get('x-thinkgate-score'))).toBeGreaterThanOrEqual(0);
    expect(response.headers.get('x-thinkgate-cache')).toBe('bypass');
    expect(response.headers.get('x-request-id')).toMatch(/.+/);
    const message = data.choices[0]!.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    expect(message.content).toBe('echo: Prove that sqrt(2) is irrational.');
    expect(message.reasoning_content).toBe('Let me think: step one, step two.');
    const upstream = lastBody(gw.reasoning.chatRequests());
    expect(upstream.model).toBe('fake-reasoner');
    expect(gw.reasoning.chatRequests().at(-1)!.headers.authorization).toBe(`Bearer ${REASONING_KEY}`);
  });

  it('streams chunk by chunk and assembles the same message, with usage when asked', async () => {
    const stream = await openai.chat.completions.create({
      model: 'thinkgate-reasoning',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream please' }],
    });
    let content = '';
    let reasoning = '';
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      chunks++;
      const delta = chunk.choices[0]?.delta as (OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string }) | undefined;
      content += delta?.content ?? '';
      reasoning += delta?.reasoning_content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(content).toBe('echo: stream please');
    expect(reasoning).toBe('Let me think: step one, step two.');
    expect(chunks).toBeGreaterThan(5);
    expect(usage?.completion_tokens).toBe(20);
  });

  it('asks the upstream for usage on every stream but forwards the usage chunk only when the client asked', async () => {
    const stream = await openai.chat.completions.create({ model: 'thinkgate-direct', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let sawUsage = false;
    for await (const chunk of stream) if (chunk.usage) sawUsage = true;
    expect(sawUsage).toBe(false);
    expect(lastBody(gw.direct.chatRequests()).stream_options).toEqual({ include_usage: true });
  });

  it('never sends the client key upstream, and sends each upstream its own key and model', async () => {
    await gw.client('sk-client-secret').chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'hello' }] });
    const req = gw.direct.chatRequests().at(-1)!;
    expect(req.headers.authorization).toBe(`Bearer ${DIRECT_KEY}`);
    expect(req.rawBody).not.toContain('sk-client-secret');
    expect((req.body as Record<string, unknown>).model).toBe('fake-chat');
  });

  it('passes every other field through unchanged', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }];
    await openai.chat.completions.create({
      model: 'thinkgate-direct',
      messages: [{ role: 'user', content: 'x' }],
      tools,
      seed: 7,
      n: 1,
      logprobs: true,
      response_format: { type: 'json_object' },
      temperature: 0.3,
      user: 'u-1',
    });
    const body = lastBody(gw.direct.chatRequests());
    expect(body).toMatchObject({ tools, seed: 7, n: 1, logprobs: true, response_format: { type: 'json_object' }, temperature: 0.3, user: 'u-1' });
    expect(body.stream).toBeUndefined();
  });

  it('removes earlier turns\' reasoning before the conversation goes upstream', async () => {
    await openai.chat.completions.create({
      model: 'thinkgate-direct',
      messages: [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: '<think>secret plan</think>\n\nanswer one', reasoning_content: 'old thoughts' } as OpenAI.ChatCompletionAssistantMessageParam,
        { role: 'user', content: 'q2' },
      ],
    });
    const msgs = lastBody(gw.direct.chatRequests()).messages as Record<string, unknown>[];
    expect(msgs[1]).toEqual({ role: 'assistant', content: 'answer one' });
  });

  it('lists route aliases and upstream models', async () => {
    const ids = [];
    for await (const m of openai.models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(['thinkgate-reasoning', 'thinkgate-direct', 'auto', 'fake-reasoner', 'fake-chat']));
  });
});

describe('routing precedence', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(() => ({ routing: { modelMap: { 'gpt-4o': 'direct', 'o3': 'reasoning' } } }));
  });
  afterAll(() => gw.close());

  const routeOf = async (params: Record<string, unknown>, headers: Record<string, string> = {}): Promise<string | null> => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], ...params }),
    });
    expect(res.status).toBe(200);
    return res.headers.get('x-thinkgate-route');
  };

  it('header beats model alias, alias beats reasoning_effort, effort beats the gate', async () => {
    expect(await routeOf({ model: 'thinkgate-reasoning' }, { 'x-thinkgate-route': 'direct' })).toBe('direct');
    expect(await routeOf({ model: 'thinkgate-direct', reasoning_effort: 'high' })).toBe('direct');
    expect(await routeOf({ model: 'auto', reasoning_effort: 'high' })).toBe('reasoning');
    expect(await routeOf({ model: 'thinkgate-reasoning', reasoning_effort: 'low' }, { 'x-thinkgate-route': 'auto' })).toBe('reasoning');
    expect(await routeOf({ model: 'auto', reasoning_effort: 'minimal' })).toBe('direct');
    expect(await routeOf({ model: 'gpt-4o' })).toBe('direct');
    expect(await routeOf({ model: 'o3' })).toBe('reasoning');
    expect(await routeOf({ model: 'some-hardcoded-model' })).toBe('direct');
  });

  it('rejects an unknown route header value with a 400 naming it', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-thinkgate-route': 'sideways' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(400);
    expect((await readJson(res))?.error?.param).toBe('x-thinkgate-route');
  });

  it('POST /v1/route answers the decision without calling an upstream', async () => {
    const before = gw.reasoning.requests.length + gw.direct.requests.length;
    const res = await fetch(`${gw.url}/v1/route`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello there' }] }),
    });
    const body = await readJson(res);
    expect(body).toMatchObject({ route: expect.stringMatching(/^(reasoning|direct)$/), source: 'gate' });
    expect(body.score).toBeGreaterThanOrEqual(0);
    expect(Array.isArray(body.reasons)).toBe(true);
    expect(gw.reasoning.requests.length + gw.direct.requests.length).toBe(before);
  });

  it('POST /v1/route given a Responses API body says it takes a chat body', async () => {
    const res = await fetch(`${gw.url}/v1/route`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'auto', input: 'hello there' }) });
    expect(res.status).toBe(400);
    const body = await readJson(res);
    expect(body.error).toEqual({
      message: "Missing required parameter: 'messages'. POST /v1/route takes a Chat Completions body; this one has the Responses API's 'input': send the conversation as 'messages'.",
      type: 'invalid_request_error',
      param: 'messages',
      code: 'missing_required_parameter',
    });
  });
});

describe('developer messages to chat upstreams', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // The reasoning upstream passes `developer` on (an OpenAI upstream may); the direct one has the default.
    gw = await startGateway((fakes) => ({
      upstreams: {
        reasoning: { baseUrl: fakes.reasoning.url, model: 'fake-reasoner', apiKey: REASONING_KEY, developerRole: 'developer' },
        direct: { baseUrl: fakes.direct.url, model: 'fake-chat', apiKey: DIRECT_KEY },
      },
    }));
  });
  afterAll(() => gw.close());

  const messages = [
    { role: 'developer', content: 'Answer in French.' },
    { role: 'user', content: 'Say hello.' },
  ];

  it('go as system messages by default, which every chat server knows (DeepSeek refuses developer)', async () => {
    const res = await gw.client().chat.completions.create({ model: 'thinkgate-direct', messages: messages as OpenAI.ChatCompletionMessageParam[] });
    expect(res.choices[0]?.message.content).toBeTruthy();
    const sent = gw.direct.chatRequests().at(-1)?.body as { messages: { role: string; content: string }[] };
    expect(sent.messages).toEqual([{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: 'Say hello.' }]);
  });

  it('keep their role on an upstream configured with developerRole: developer', async () => {
    await gw.client().chat.completions.create({ model: 'thinkgate-reasoning', messages: messages as OpenAI.ChatCompletionMessageParam[] });
    const sent = gw.reasoning.chatRequests().at(-1)?.body as { messages: { role: string }[] };
    expect(sent.messages.map((m) => m.role)).toEqual(['developer', 'user']);
  });
});
