import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { assertValidEvent, assertValidResponse, assertValidItemList } from '../support/responses-schema.js';

/** The official SDK's `client.responses` against the gateway bridging to chat-only fake upstreams. */
describe('Responses API over chat upstreams (openai SDK)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw.close();
  });

  it('create (JSON): a reasoning item with raw thinking, then the message; usage and headers', async () => {
    const client = gw.client();
    const raw = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'thinkgate-reasoning', input: 'Prove that sqrt(2) is irrational.' }),
    });
    const wire: unknown = await raw.json();
    assertValidResponse(wire);
    const response = await client.responses.retrieve((wire as { id: string }).id);
    expect(raw.headers.get('x-thinkgate-route')).toBe('reasoning');
    expect(response.id).toMatch(/^resp_[0-9a-f]{64}$/);
    expect(response.status).toBe('completed');
    expect(response.output.map((i) => i.type)).toEqual(['reasoning', 'message']);
    const reasoning = response.output[0];
    if (reasoning?.type !== 'reasoning') throw new Error('expected reasoning');
    expect(reasoning.summary).toEqual([]);
    expect(reasoning.content).toEqual([{ type: 'reasoning_text', text: 'Let me think: step one, step two.' }]);
    expect(response.output_text).toBe('echo: Prove that sqrt(2) is irrational.');
    expect(response.usage).toMatchObject({ input_tokens: 10, output_tokens: 20, total_tokens: 30, output_tokens_details: { reasoning_tokens: 12 } });
    const sent = gw.reasoning.chatRequests().at(-1)?.body as Record<string, unknown>;
    expect(sent.messages).toEqual([{ role: 'user', content: 'Prove that sqrt(2) is irrational.' }]);
  });

  it('stream: .stream() resolves finalResponse(); every event validates; sequence numbers from 0', async () => {
    const client = gw.client();
    const stream = client.responses.stream({ model: 'thinkgate-reasoning', input: 'Hello there', instructions: 'Be brief.' });
    const types: string[] = [];
    const seqs: number[] = [];
    for await (const event of stream) {
      assertValidEvent(event);
      types.push(event.type);
      seqs.push(event.sequence_number);
    }
    const final = await stream.finalResponse();
    expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(types[0]).toBe('response.created');
    expect(types[1]).toBe('response.in_progress');
    expect(types.at(-1)).toBe('response.completed');
    expect(types).toContain('response.reasoning_text.delta');
    expect(types.indexOf('response.content_part.added')).toBeLessThan(types.indexOf('response.reasoning_text.delta'));
    expect(final.output_text).toBe('echo: Hello there');
    expect(final.instructions).toBe('Be brief.');
    const sent = gw.reasoning.chatRequests().at(-1)?.body as Record<string, unknown>;
    expect(sent.messages).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello there' }]);
  });

  it('retrieve, input_items and delete a stored response; another tenant gets 404', async () => {
    const client = gw.client();
    const created = await client.responses.create({ model: 'thinkgate-direct', input: [{ role: 'user', content: 'Keep me' }] });
    const got = await client.responses.retrieve(created.id);
    expect(got.id).toBe(created.id);
    expect(got.output_text).toBe('echo: Keep me');
    const items = await client.responses.inputItems.list(created.id);
    expect(items.data.map((i) => i.type)).toEqual(['message']);
    const res = await fetch(`${gw.url}/v1/responses/${created.id}/input_items`);
    assertValidItemList(await res.json());
    const deleted = await client.responses.delete(created.id);
    expect(deleted).toEqual({ id: created.id, object: 'response.deleted', deleted: true });
    await expect(client.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
  });

  it('a streamed response is stored before response.completed is sent: a follow-up at that moment finds it', async () => {
    const client = gw.client();
    const stream = await client.responses.create({ model: 'thinkgate-direct', input: 'store me first', stream: true });
    let followUp: Promise<unknown> | undefined;
    for await (const event of stream) {
      // Asked the moment the completion is announced, before the stream has even ended.
      if (event.type === 'response.completed') followUp = client.responses.create({ model: 'thinkgate-direct', previous_response_id: event.response.id, input: 'and next' });
    }
    const next = (await followUp) as { output_text: string };
    expect(next.output_text).toBe('echo: and next');
    const messages = (gw.direct.chatRequests().at(-1)?.body as { messages: unknown[] }).messages;
    expect(messages).toEqual([
      { role: 'user', content: 'store me first' },
      { role: 'assistant', content: 'echo: store me first' },
      { role: 'user', content: 'and next' },
    ]);
  });

  it('inputTokens.count counts what the model reads besides the messages: tool definitions, the output format and earlier calls', async () => {
    const client = gw.client();
    const count = async (body: Parameters<typeof client.responses.inputTokens.count>[0]): Promise<number> => (await client.responses.inputTokens.count(body)).input_tokens;
    const words = (n: number, word: string): string => Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ');
    const plain = await count({ model: 'auto', input: 'What is the weather?' });
    // ~200 words each: whatever the tokenizer, each adds well over 100 tokens the model reads.
    const tool = { type: 'function' as const, name: 'get_weather', description: words(200, 'detail'), parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false };
    expect(await count({ model: 'auto', input: 'What is the weather?', tools: [tool] })).toBeGreaterThan(plain + 100);
    const schema = { type: 'object', properties: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`field_${i}`, { type: 'string' }])) };
    expect(await count({ model: 'auto', input: 'What is the weather?', text: { format: { type: 'json_schema', name: 'w', schema } } })).toBeGreaterThan(plain + 100);
    const call = { type: 'function_call' as const, call_id: 'call_1', name: 'get_weather', arguments: JSON.stringify({ city: words(200, 'town') }) };
    const withCall = await count({ model: 'auto', input: [{ role: 'user', content: 'What is the weather?' }, call, { type: 'function_call_output', call_id: 'call_1', output: 'sunny' }] });
    const withoutCall = await count({ model: 'auto', input: [{ role: 'user', content: 'What is the weather?' }, { role: 'assistant', content: 'sunny' }] });
    expect(withCall).toBeGreaterThan(withoutCall + 100);
  });
});
