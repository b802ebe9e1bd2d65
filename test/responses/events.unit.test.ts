import { describe, expect, it } from 'vitest';
import { ResponseEncoder } from '../../src/apis/responses/events.js';
import { answerDeltas, answerResponse, replayAnswer } from '../../src/apis/responses/replay.js';
import { newContext, type ResponseContext } from '../../src/apis/responses/response.js';
import { validateResponsesRequest } from '../../src/apis/responses/validate.js';
import { mapTools } from '../../src/apis/responses/tools.js';
import { ResponsesEventReader, responseToCompletion } from '../../src/upstream/responses-reader.js';
import { CompletionAssembler } from '../../src/core/fold.js';
import type { ChatCompletion, ChatCompletionChunk } from '../../src/core/types.js';
import { assertValidEvent, assertValidResponse } from '../support/responses-schema.js';

/** The event encoder, replay and the native reader, pure: no sockets. */

type Json = Record<string, unknown>;

function context(body: Json = { input: 'x' }): ResponseContext {
  const request = validateResponsesRequest(body);
  return newContext(request, mapTools(request.tools, request.tool_choice), 'reasoning_content', true);
}

const parse = (text: string): Json[] =>
  text
    .split('\n\n')
    .filter((f) => f !== '')
    .map((f) => JSON.parse(f.split('\n')[1]!.slice('data: '.length)) as Json);

const answer: ChatCompletion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Hello 😀 world',
        reasoning_content: 'thinking hard',
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
          { id: 'call_b', type: 'function', function: { name: 'patch', arguments: '{"input":"diff --git"}' } },
        ],
      },
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12, prompt_tokens_details: { cached_tokens: 2 }, completion_tokens_details: { reasoning_tokens: 3 } },
};

const toolBody = {
  input: 'x',
  tools: [
    { type: 'function', name: 'f', parameters: { type: 'object' }, strict: false },
    { type: 'custom', name: 'patch' },
  ],
};

describe('ResponseEncoder', () => {
  it('emits the full event sequence, every event valid by the SDK types, numbered from 0', async () => {
    const ctx = context(toolBody);
    const text = await replayAnswer(answer, ctx, 1, 'm', async () => {}, 3);
    const events = parse(text);
    for (const e of events) assertValidEvent(e);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const kinds = events.map((e) => e.type as string).filter((t) => !t.endsWith('.delta'));
    expect(kinds).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.reasoning_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.custom_tool_call_input.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const text2 = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
    expect(text2).toBe('Hello 😀 world');
    const completed = events.at(-1)!.response as Json;
    assertValidResponse(completed);
    expect(completed.usage).toEqual({
      input_tokens: 5,
      input_tokens_details: { cached_tokens: 2, cache_write_tokens: 0 },
      output_tokens: 7,
      output_tokens_details: { reasoning_tokens: 3 },
      total_tokens: 12,
    });
    expect(events.find((e) => e.type === 'response.custom_tool_call_input.delta')).toMatchObject({ delta: 'diff --git' });
    expect(events.find((e) => e.type === 'response.function_call_arguments.done')).toMatchObject({ name: 'f', arguments: '{"x":1}' });
  });

  it('the JSON answer, the replay and the live stream build the same output (ids aside)', async () => {
    const ctx = context(toolBody);
    const json = answerResponse(answer, ctx, 1, 'm');
    assertValidResponse(json);
    let replayed: unknown;
    await replayAnswer(answer, ctx, 1, 'm', async (r) => {
      replayed = r;
    });
    const live = new ResponseEncoder(ctx);
    live.start(1, 'm');
    for (const chunk of answerDeltas(answer, 2)) live.chunk(chunk);
    const { response } = live.finish('tool_calls', answer.usage);
    const strip = (r: unknown): unknown => JSON.parse(JSON.stringify(r, (k, v: unknown) => (k === 'completed_at' ? null : v)));
    expect(strip(replayed)).toEqual(strip(json));
    expect(strip(response)).toEqual(strip(json));
    expect(json.output.map((i) => i.type)).toEqual(['reasoning', 'message', 'function_call', 'custom_tool_call']);
  });

  it('an answer with nothing in it still has its (empty) message; length is incomplete', () => {
    const empty: ChatCompletion = { ...answer, choices: [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'length' }] };
    const r = answerResponse(empty, context(), 1, 'm');
    expect(r.status).toBe('incomplete');
    expect(r.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(r.output).toEqual([expect.objectContaining({ type: 'message', content: [{ type: 'output_text', text: '', annotations: [], logprobs: [] }] })]);
  });

  it('a failure mid-stream closes the open item as incomplete and ends with response.failed', () => {
    const enc = new ResponseEncoder(context());
    let text = enc.start(1, 'm');
    text += enc.chunk({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'par' }, finish_reason: null }] });
    text += enc.fail(429, 'slow down');
    const events = parse(text);
    for (const e of events) assertValidEvent(e);
    expect(events.at(-2)).toMatchObject({ type: 'response.output_item.done', item: { status: 'incomplete' } });
    expect(events.at(-1)).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: 'rate_limit_exceeded', message: 'slow down' } } });
  });

  it('reasoning is left out when the client asked for it stripped', () => {
    const request = validateResponsesRequest({ input: 'x' });
    const ctx = newContext(request, mapTools(undefined, undefined), 'strip', true);
    expect(answerResponse(answer, ctx, 1, 'm').output.map((i) => i.type)).not.toContain('reasoning');
  });
});

describe('native reader', () => {
  const ev = (type: string, fields: Json = {}): Json => ({ type, ...fields });

  it('turns upstream events into canonical deltas; carried items and encrypted reasoning pass through to the encoder', () => {
    const reader = new ResponsesEventReader('reasoning');
    const events = [
      ev('response.created', { response: { id: 'resp_u', model: 'up', created_at: 9 } }),
      ev('response.output_item.added', { output_index: 0, item: { type: 'reasoning', id: 'rs', summary: [] } }),
      ev('response.reasoning_summary_text.delta', { output_index: 0, delta: 'think' }),
      ev('response.output_item.done', { output_index: 0, item: { type: 'reasoning', id: 'rs', summary: [], encrypted_content: 'gAAAA' } }),
      ev('response.output_item.done', { output_index: 1, item: { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'q' } } }),
      ev('response.output_item.added', { output_index: 2, item: { type: 'custom_tool_call', id: 'ct', call_id: 'call_c', name: 'patch', input: '' } }),
      ev('response.custom_tool_call_input.delta', { output_index: 2, delta: 'line "1"\n' }),
      ev('response.output_item.done', { output_index: 2, item: { type: 'custom_tool_call', id: 'ct', call_id: 'call_c', name: 'patch', input: 'line "1"\n' } }),
      ev('response.completed', { response: { status: 'completed', usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7, output_tokens_details: { reasoning_tokens: 1 } } } }),
    ];
    const chunks: ChatCompletionChunk[] = events.flatMap((e) => reader.read(e));
    expect(reader.finished).toBe(true);
    const fold = new CompletionAssembler();
    for (const c of chunks) fold.add(c);
    const folded = fold.result();
    expect(folded.choices[0]?.message.tool_calls?.[0]?.function).toEqual({ name: 'patch', arguments: JSON.stringify({ input: 'line "1"\n' }) });
    expect(folded.choices[0]?.finish_reason).toBe('tool_calls');
    expect(folded.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4, completion_tokens_details: { reasoning_tokens: 1 } });

    const ctx = context({ input: 'x', tools: [{ type: 'custom', name: 'patch' }] });
    const enc = new ResponseEncoder(ctx);
    let text = enc.start(9, 'up');
    for (const c of chunks) text += enc.chunk(c);
    const { response, text: tail } = enc.finish('tool_calls', folded.usage);
    text += tail + enc.completed(response);
    for (const e of parse(text)) assertValidEvent(e);
    expect(enc.lossy).toBe(true);
    expect(response.output.map((i) => i.type)).toEqual(['reasoning', 'web_search_call', 'custom_tool_call']);
    expect(response.output[0]).toMatchObject({ encrypted_content: 'gAAAA', content: [{ type: 'reasoning_text', text: 'think' }] });
    expect(response.output[2]).toMatchObject({ input: 'line "1"\n', call_id: 'call_c' });
  });

  it('response.failed and error events become gateway errors', () => {
    const reader = new ResponsesEventReader('reasoning');
    expect(() => reader.read(ev('response.failed', { response: { error: { code: 'rate_limit_exceeded', message: 'busy' } } }))).toThrow(/busy/);
    expect(() => reader.read(ev('error', { code: 'server_error', message: 'boom' }))).toThrow(/boom/);
  });

  it('a JSON response becomes the canonical answer, namespaced calls flattened and other items carried', () => {
    const completion = responseToCompletion({
      id: 'resp_1',
      model: 'up',
      created_at: 5,
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output: [
        { type: 'reasoning', id: 'rs', summary: [{ type: 'summary_text', text: 's' }] },
        { type: 'message', id: 'm', role: 'assistant', status: 'incomplete', content: [{ type: 'output_text', text: 'ans', annotations: [] }] },
        { type: 'function_call', id: 'fc', call_id: 'c1', name: 'spawn', namespace: 'agents', arguments: '{}' },
        { type: 'web_search_call', id: 'ws', status: 'completed' },
      ],
      usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 },
    });
    const m = completion.choices[0]!.message;
    expect(m).toMatchObject({ content: 'ans', reasoning_content: 's', tool_calls: [{ id: 'c1', function: { name: 'agents__spawn', arguments: '{}' } }] });
    expect(m.responses_items).toEqual([{ type: 'web_search_call', id: 'ws', status: 'completed' }]);
    expect(completion.choices[0]!.finish_reason).toBe('length');
  });
});
