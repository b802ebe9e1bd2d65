import { readJson } from './support/http.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startGateway, type TestGateway, REASONING_KEY } from './support/gateway.js';

const expectErrorShape = (body: unknown): void => {
  expect(body).toEqual({ error: { message: expect.any(String), type: expect.any(String), param: expect.toSatisfy((v: unknown) => v === null || typeof v === 'string'), code: expect.toSatisfy((v: unknown) => v === null || typeof v === 'string') } });
};

describe('errors in the OpenAI shape', () => {
  let gw: TestGateway;
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  beforeAll(async () => {
    gw = await startGateway(() => ({ server: { port: 0, host: '127.0.0.1', bodyLimitBytes: 64 * 1024 } }));
  });
  afterAll(() => gw.close());

  it('malformed JSON → 400', async () => {
    const res = await post('{"messages": [');
    expect(res.status).toBe(400);
    const body = await readJson(res);
    expectErrorShape(body);
    expect(body.error?.code).toBe('invalid_json');
  });

  it.each(['/v1/chat/completions', '/v1/responses'])('a JSON body sent as text/plain to %s → 400 that says to send Content-Type: application/json', async (path) => {
    const before = gw.direct.requests.length + gw.reasoning.requests.length;
    const body = path === '/v1/responses' ? { model: 'auto', input: 'x' } : { model: 'auto', messages: [{ role: 'user', content: 'x' }] };
    const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    const json = await readJson(res);
    expectErrorShape(json);
    expect(json.error?.message).toBe(
      'Invalid type for the request body: expected a JSON object, but got a string instead. Send the body as JSON with the header Content-Type: application/json (a text/plain body is read as a string).',
    );
    expect(gw.direct.requests.length + gw.reasoning.requests.length).toBe(before);
  });

  it.each(['/v1/chat/completions', '/v1/responses', '/v1/route', '/v1/responses/input_tokens'])('a POST to %s with no body and no Content-Type → 400 that says the body is empty', async (path) => {
    const res = await fetch(`${gw.url}${path}`, { method: 'POST' });
    expect(res.status).toBe(400);
    const json = await readJson(res);
    expectErrorShape(json);
    expect(json.error?.message).toBe('The request body is empty: send a JSON object.');
    expect(json.error?.code).toBe('empty_body');
  });

  it('an array body → 400 saying a JSON object was expected, alike on both APIs', async () => {
    for (const path of ['/v1/chat/completions', '/v1/responses']) {
      const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2]' });
      expect(res.status).toBe(400);
      expect((await readJson(res)).error?.message).toBe('Invalid type for the request body: expected a JSON object, but got an array instead.');
    }
  });

  it.each([
    ['{}', 'messages'],
    ['{"messages": []}', 'messages'],
    ['{"messages": [{"role": "wizard", "content": "x"}]}', 'messages[0].role'],
    ['{"messages": [{"role": "user", "content": []}]}', 'messages[0].content'],
    ['{"messages": [{"role": "user", "content": 42}]}', 'messages[0].content'],
    ['{"messages": [{"role": "user", "content": "x"}], "stream": "yes"}', 'stream'],
    ['{"messages": [{"role": "user", "content": "x"}], "temperature": 9}', 'temperature'],
    ['[1,2]', null],
  ])('schema violation %s → 400 naming %s, upstream untouched', async (body, param) => {
    const before = gw.direct.requests.length + gw.reasoning.requests.length;
    const res = await post(body);
    expect(res.status).toBe(400);
    const json = await readJson(res);
    expectErrorShape(json);
    expect(json.error?.param).toBe(param);
    expect(gw.direct.requests.length + gw.reasoning.requests.length).toBe(before);
  });

  it('an empty system prompt (opencode sends one when it has none) and empty turns are served, as OpenAI serves them', async () => {
    const res = await gw.client().chat.completions.create({
      model: 'thinkgate-direct',
      messages: [{ role: 'system', content: '' }, { role: 'user', content: 'hi' }, { role: 'assistant', content: '' }, { role: 'user', content: '' }],
    });
    expect(res.choices[0]?.message.content).toContain('echo:');
    expect((gw.direct.chatRequests().at(-1)?.body as { messages: unknown[] }).messages[0]).toEqual({ role: 'system', content: '' });
  });

  it.each([
    [{ metadata: ['a'] }, 'metadata', 'an array'],
    [{ tools: [{ type: 'function', name: 'f', parameters: 'none' }] }, 'tools[0].parameters', 'a string'],
  ])('a map field of the Responses API given a non-object (%j) → 400 that expects an object in plain words', async (extra, param, got) => {
    const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'auto', input: 'x', ...extra }) });
    expect(res.status).toBe(400);
    const json = await readJson(res);
    expect(json.error?.param).toBe(param);
    expect(json.error?.message).toBe(`Invalid type for '${param}': expected an object, but got ${got} instead.`);
  });

  it.each([
    ['[{"type": "function"}]', 'tools[0].function', "Missing required parameter: 'tools[0].function'."],
    ['[{"type": "function", "function": null}]', 'tools[0].function', "Invalid type for 'tools[0].function': expected an object, but got null instead."],
    ['[{"type": "function", "function": {"parameters": {}}}]', 'tools[0].function.name', "Missing required parameter: 'tools[0].function.name'."],
    ['[{"type": "function", "function": {"name": 5}}]', 'tools[0].function.name', "Invalid type for 'tools[0].function.name': expected a string, but got an integer instead."],
    ['[{"type": "function", "function": {"name": "f", "parameters": "none"}}]', 'tools[0].function.parameters', "Invalid type for 'tools[0].function.parameters': expected an object, but got a string instead."],
  ])('a chat function tool %s that OpenAI refuses → 400 naming %s, upstream untouched', async (tools, param, message) => {
    const before = gw.direct.requests.length + gw.reasoning.requests.length;
    const res = await post(`{"model": "auto", "messages": [{"role": "user", "content": "x"}], "tools": ${tools}}`);
    expect(res.status).toBe(400);
    const json = await readJson(res);
    expect(json.error?.param).toBe(param);
    expect(json.error?.message).toBe(message);
    expect(gw.direct.requests.length + gw.reasoning.requests.length).toBe(before);
  });

  it.each([
    ['{"type": "json_schema"}', 'response_format.json_schema', "Missing required parameter: 'response_format.json_schema'."],
    ['{"type": "json_schema", "json_schema": {"schema": {}}}', 'response_format.json_schema.name', "Missing required parameter: 'response_format.json_schema.name'."],
    ['{"type": "json_schema", "json_schema": {"name": "s", "schema": []}}', 'response_format.json_schema.schema', "Invalid type for 'response_format.json_schema.schema': expected an object, but got an array instead."],
  ])('a chat response_format %s that OpenAI refuses → 400 naming %s', async (format, param, message) => {
    const res = await post(`{"model": "auto", "messages": [{"role": "user", "content": "x"}], "response_format": ${format}}`);
    expect(res.status).toBe(400);
    const json = await readJson(res);
    expect(json.error?.param).toBe(param);
    expect(json.error?.message).toBe(message);
  });

  it('a wrong type is named as one, through the SDK', async () => {
    const err = await gw.client().chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' as unknown as number }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.code).toBe('invalid_type');
    expect(e.param).toBe('temperature');
    expect(e.message).toContain("Invalid type for 'temperature': expected a decimal, but got a string instead.");
  });

  it('prototype-pollution keys → 400', async () => {
    const res = await post('{"messages":[{"role":"user","content":"x"}],"__proto__":{"polluted":true}}');
    expect(res.status).toBe(400);
    expectErrorShape(await readJson(res));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('body over the limit → 413', async () => {
    const res = await post(JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(100 * 1024) }] }));
    expect(res.status).toBe(413);
    expectErrorShape(await readJson(res));
  });

  it('unknown path → 404', async () => {
    const res = await fetch(`${gw.url}/nope`);
    expect(res.status).toBe(404);
    expectErrorShape(await readJson(res));
  });

  it('upstream 4xx passes through with the upstream message (SDK error class), without its key', async () => {
    gw.direct.scenario = () => ({ kind: 'status', status: 400, body: { error: { message: `context too long for key ${REASONING_KEY}`, type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } } });
    const err = await gw.client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.message).toContain('context too long');
    expect(e.code).toBe('context_length_exceeded');
    expect(e.param).toBe('messages');
    gw.direct.scenario = () => ({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    const limited = await gw.client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'x' }] }).catch((x: unknown) => x);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('7');
  });

  it('an upstream that rejects the gateway\'s key is a 502, not the client\'s 401', async () => {
    gw.reasoning.scenario = () => ({ kind: 'status', status: 401, body: { error: { message: `Incorrect API key provided: ${REASONING_KEY}`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } });
    const res = await post(JSON.stringify({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'x' }] }));
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(text).not.toContain(REASONING_KEY);
    expectErrorShape(JSON.parse(text));
  });

  it.each([
    // OpenAI's wording: the key's start and end around asterisks.
    [`Incorrect API key provided: ${REASONING_KEY.slice(0, 8)}${'*'.repeat(16)}${REASONING_KEY.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'Incorrect API key provided: ***. You can find your API key at https://platform.openai.com/account/api-keys.'],
    // DeepSeek's wording: its end only.
    [`Authentication Fails, Your api key: ****${REASONING_KEY.slice(-4)} is invalid`, 'Authentication Fails, Your api key: *** is invalid'],
  ])('an upstream 401 quoting a masked form of the gateway\'s key passes no piece of it to the client (%s)', async (upstreamMessage, shown) => {
    gw.reasoning.scenario = () => ({ kind: 'status', status: 401, body: { error: { message: upstreamMessage, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } });
    const res = await post(JSON.stringify({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'x' }] }));
    expect(res.status).toBe(502);
    const body = await readJson(res);
    expect(body.error?.message).toBe(`reasoning upstream rejected the gateway's credentials (HTTP 401): ${shown}`);
  });

  it('malformed upstream JSON → 502', async () => {
    gw.direct.scenario = () => ({ kind: 'raw', status: 200, contentType: 'application/json', text: '{"choices": [' });
    const res = await post(JSON.stringify({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'x' }] }));
    expect(res.status).toBe(502);
    expectErrorShape(await readJson(res));
  });

  it('a stream cut by the upstream ends with an SSE error event', async () => {
    gw.direct.scenario = () => ({ kind: 'sse', events: [JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'partial' }, finish_reason: null }] })], cut: true });
    const res = await post(JSON.stringify({ model: 'thinkgate-direct', stream: true, messages: [{ role: 'user', content: 'x' }] }));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('partial');
    const last = text.trim().split('\n\n').at(-1)!;
    expect(JSON.parse(last.replace(/^data: /, ''))).toMatchObject({ error: { code: expect.stringMatching(/upstream/) } });
    expect(text).not.toContain('[DONE]');
  });

  it('the SDK surfaces a mid-stream upstream failure as an error', async () => {
    gw.direct.scenario = () => ({ kind: 'sse', events: [JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'partial' }, finish_reason: null }] })], cut: true });
    const stream = await gw.client().chat.completions.create({ model: 'thinkgate-direct', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const consume = async (): Promise<void> => {
      for await (const _chunk of stream) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow(/upstream/);
  });
});

describe('upstream unreachable and slow', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(() => ({
      upstreams: {
        reasoning: { baseUrl: 'http://127.0.0.1:1/v1', model: 'nowhere' },
        direct: { baseUrl: 'http://127.0.0.1:9/v1', model: 'nowhere', timeouts: { firstByteMs: 300 } },
      },
    }));
  });
  afterAll(() => gw.close());

  it('connection refused → 502', async () => {
    const err = await gw.client().chat.completions.create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
  });
});

describe('slow upstream', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway((f) => ({ upstreams: { direct: { baseUrl: f.direct.url, model: 'fake-chat', timeouts: { firstByteMs: 200 } } } }));
    gw.direct.scenario = () => ({ kind: 'hang' });
  });
  afterAll(() => gw.close());

  it('no first byte in time → 504', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'x' }] }) });
    expect(res.status).toBe(504);
    expect((await readJson(res))?.error?.code).toBe('upstream_timeout');
  });
});

// Their own gateway: requests that reach the upstream here must not move the breaker of the tests above.
describe('bounds OpenAI sets on max_output_tokens and metadata', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  const longKey = 'k'.repeat(65);
  it.each([
    ['/v1/responses', { model: 'auto', input: 'x', max_output_tokens: 15 }, 'max_output_tokens', "Invalid 'max_output_tokens': number below minimum value. Expected a value >= 16, but got 15 instead."],
    ['/v1/responses', { model: 'auto', input: 'x', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata', "Invalid value for 'metadata': too many properties; expected an object with at most 16 properties, but got 17."],
    ['/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: 'x' }], metadata: { [longKey]: 'v' } }, 'metadata', "Invalid value for 'metadata': key too long; expected keys of at most 64 characters, but got one of 65."],
    ['/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: 'x' }], metadata: { note: 'v'.repeat(513) } }, 'metadata.note', "Invalid 'metadata.note': string too long. Expected a string with maximum length 512, but got a string with length 513 instead."],
    ['/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: 'x' }], metadata: { n: 1 } }, 'metadata.n', "Invalid type for 'metadata.n': expected a string, but got an integer instead."],
    ['/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: 'x' }], tool_choice: { type: 'function' } }, 'tool_choice.function', "Missing required parameter: 'tool_choice.function'."],
    ['/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: 'x' }], tool_choice: { type: 'function', function: {} } }, 'tool_choice.function.name', "Missing required parameter: 'tool_choice.function.name'."],
    ['/v1/responses', { model: 'auto', input: 'x', tool_choice: { type: 'function' } }, 'tool_choice.name', "Missing required parameter: 'tool_choice.name'."],
  ])('%s with a value OpenAI refuses (%j) → 400 naming %s, upstream untouched', async (path, body, param, message) => {
    const before = gw.direct.requests.length + gw.reasoning.requests.length;
    const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    const json = await readJson(res);
    expectErrorShape(json);
    expect(json.error?.param).toBe(param);
    expect(json.error?.message).toBe(message);
    expect(gw.direct.requests.length + gw.reasoning.requests.length).toBe(before);
  });

  it('metadata within OpenAI\'s bounds (16 pairs, 64-character keys, 512-character values) is served', async () => {
    const metadata = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`${'k'.repeat(62)}${String(i).padStart(2, '0')}`, 'v'.repeat(512)]));
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'metadata at its bounds' }], metadata }) });
    expect(res.status).toBe(200);
    const responses = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'thinkgate-direct', input: 'metadata at its bounds', metadata, max_output_tokens: 16 }) });
    expect(responses.status).toBe(200);
  });
});
