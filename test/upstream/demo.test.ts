import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import { exampleOf } from '../../src/upstream/demo-answers.js';

/** Demo mode (no upstream configured) through the official SDK: tools, n and response_format get real shapes. */
describe('demo upstreams honour tools, n and response_format', () => {
  let app: FastifyInstance;
  let client: OpenAI;
  beforeAll(async () => {
    app = await buildApp(parseConfig({ server: { port: 0, host: '127.0.0.1' }, log: { level: 'silent' } }), { logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    client = new OpenAI({ baseURL: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/v1`, apiKey: 'any', maxRetries: 0 });
  });
  afterAll(() => app.close());

  const weather: OpenAI.Chat.Completions.ChatCompletionTool = {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: {
        type: 'object',
        properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, days: { type: 'integer', minimum: 1 } },
        required: ['location', 'unit', 'days'],
      },
    },
  };
  const clock: OpenAI.Chat.Completions.ChatCompletionTool = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } };

  it('calls the offered tool with arguments that fit its parameters, then answers the tool result in text', async () => {
    for (const model of ['thinkgate-direct', 'thinkgate-reasoning']) {
      const res = await client.chat.completions.create({ model, tools: [weather, clock], messages: [{ role: 'user', content: 'Weather in Paris?' }] });
      const choice = res.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      const call = choice.message.tool_calls?.[0];
      expect(call?.type === 'function' && call.function.name).toBe('get_weather');
      expect(JSON.parse(call?.type === 'function' ? call.function.arguments : '')).toEqual({ location: 'demo', unit: 'celsius', days: 1 });
      const after = await client.chat.completions.create({
        model,
        tools: [weather],
        messages: [{ role: 'user', content: 'Weather in Paris?' }, choice.message, { role: 'tool', tool_call_id: call!.id, content: '{"temp":18}' }],
      });
      expect(after.choices[0]?.finish_reason).toBe('stop');
      expect(after.choices[0]?.message.content).toContain('simulated');
    }
    const named = await client.chat.completions.create({
      model: 'thinkgate-direct',
      tools: [weather, clock],
      tool_choice: { type: 'function', function: { name: 'get_time' } },
      messages: [{ role: 'user', content: 'time?' }],
    });
    const namedCall = named.choices[0]?.message.tool_calls?.[0];
    expect(namedCall?.type === 'function' && namedCall.function.name).toBe('get_time');
    const none = await client.chat.completions.create({ model: 'thinkgate-direct', tools: [weather], tool_choice: 'none', messages: [{ role: 'user', content: 'hi' }] });
    expect(none.choices[0]?.message.tool_calls ?? []).toEqual([]);
  });

  it('streams tool calls and n choices that the SDK folds into the same shapes', async () => {
    const stream = client.chat.completions.stream({ model: 'thinkgate-direct', tools: [weather], messages: [{ role: 'user', content: 'Weather?' }] });
    const folded = await stream.finalChatCompletion();
    const call = folded.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ location: 'demo', unit: 'celsius', days: 1 });
    const many = await client.chat.completions.stream({ model: 'thinkgate-direct', n: 2, messages: [{ role: 'user', content: 'hi' }] }).finalChatCompletion();
    expect(many.choices.map((c) => [c.index, c.message.content?.includes(`choice ${c.index + 1} of 2`)])).toEqual([[0, true], [1, true]]);
  });

  it('answers n choices and JSON that fits response_format', async () => {
    const three = await client.chat.completions.create({ model: 'thinkgate-direct', n: 3, messages: [{ role: 'user', content: 'hi' }] });
    expect(three.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } }, when: { type: 'string', format: 'date' }, score: { type: ['number', 'null'] } },
      required: ['city', 'tags', 'when', 'score'],
      additionalProperties: false,
    };
    const structured = await client.chat.completions.create({
      model: 'thinkgate-reasoning',
      response_format: { type: 'json_schema', json_schema: { name: 'trip', strict: true, schema } },
      messages: [{ role: 'user', content: 'Plan a trip' }],
    });
    expect(JSON.parse(structured.choices[0]!.message.content!)).toEqual({ city: 'demo', tags: ['demo'], when: '2025-01-01', score: 1 });
    const object = await client.chat.completions.create({ model: 'thinkgate-direct', response_format: { type: 'json_object' }, messages: [{ role: 'user', content: 'JSON please' }] });
    expect(JSON.parse(object.choices[0]!.message.content!)).toMatchObject({ simulated: true });
  });
});

describe('exampleOf', () => {
  it('follows $ref, anyOf, const, bounds and string lengths, and stops on recursion', () => {
    const node = { type: 'object', properties: { name: { type: 'string', minLength: 6, maxLength: 8 }, child: { $ref: '#/$defs/node' } } };
    const value = exampleOf({ $defs: { node }, $ref: '#/$defs/node' }) as Record<string, unknown>;
    expect(value.name).toBe('demooo');
    expect(JSON.stringify(value)).toContain('null');
    expect(exampleOf({ anyOf: [{ type: 'null' }, { const: 'x' }] })).toBe('x');
    expect(exampleOf({ type: 'integer', minimum: 5, maximum: 3 })).toBe(3);
    expect(exampleOf({ type: 'array', minItems: 2, items: { type: 'boolean' } })).toEqual([true, true]);
  });
});
