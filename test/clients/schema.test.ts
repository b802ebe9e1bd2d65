import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_PATH, sourceStamp } from '../../scripts/gen-response-schemas.js';
import { assertValidEvent, assertValidItemList, assertValidResponse } from '../support/responses-schema.js';

// What OpenAI sends for a short answer with reasoning and a function call (shapes from the API reference).
const response = (): Record<string, unknown> => ({
  id: 'resp_1',
  object: 'response',
  created_at: 1_700_000_000,
  status: 'completed',
  background: false,
  error: null,
  incomplete_details: null,
  instructions: null,
  max_output_tokens: null,
  model: 'gpt-5',
  output: [
    { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Thinking.' }] },
    {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: 'Hello.', annotations: [], logprobs: [] }],
    },
    { id: 'fc_1', type: 'function_call', status: 'completed', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
  ],
  parallel_tool_calls: true,
  previous_response_id: null,
  reasoning: { effort: 'low', summary: null },
  store: true,
  temperature: 1,
  text: { format: { type: 'text' }, verbosity: 'medium' },
  tool_choice: 'auto',
  tools: [],
  top_p: 1,
  truncation: 'disabled',
  usage: {
    input_tokens: 10,
    input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    output_tokens: 20,
    output_tokens_details: { reasoning_tokens: 12 },
    total_tokens: 30,
  },
  user: null,
  metadata: {},
});

describe('responses.schema.json', () => {
  it('was generated from the installed openai SDK and the current script (else: npx tsx scripts/gen-response-schemas.ts)', () => {
    const doc = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
    const stamp = sourceStamp();
    expect(doc['x-openai-sdk-version']).toBe(stamp.sdkVersion);
    expect(doc['x-sources-sha256']).toBe(stamp.digest);
  });
});

describe('assertValidResponse', () => {
  it('accepts a response as OpenAI sends it, without the client-side output_text', () => {
    expect(() => assertValidResponse(response())).not.toThrow();
  });

  it('rejects a missing required field, naming it', () => {
    const r = response();
    delete r.parallel_tool_calls;
    expect(() => assertValidResponse(r)).toThrow(/parallel_tool_calls/);
  });

  it('rejects an invented top-level field', () => {
    expect(() => assertValidResponse({ ...response(), x_thinkgate: 1 })).toThrow(/x_thinkgate/);
  });

  it('rejects a malformed output item, pointing into it', () => {
    const r = response();
    const output = r.output as Record<string, unknown>[];
    output[2] = { ...output[2], arguments: { city: 'Paris' } };
    expect(() => assertValidResponse(r)).toThrow(/\/output\/2\/arguments/);
  });

  it('rejects an unknown status', () => {
    expect(() => assertValidResponse({ ...response(), status: 'done' })).toThrow(/status/);
  });
});

describe('assertValidEvent', () => {
  const delta = { type: 'response.output_text.delta', sequence_number: 3, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hel', logprobs: [] };

  it('accepts events of several kinds', () => {
    expect(() => assertValidEvent(delta)).not.toThrow();
    expect(() => assertValidEvent({ type: 'response.created', sequence_number: 0, response: { ...response(), status: 'in_progress', output: [], usage: null } })).not.toThrow();
    expect(() =>
      assertValidEvent({ type: 'response.function_call_arguments.done', sequence_number: 9, item_id: 'fc_1', output_index: 2, name: 'get_weather', arguments: '{}' }),
    ).not.toThrow();
  });

  it('rejects a field missing for the named event type', () => {
    const { sequence_number: _dropped, ...rest } = delta;
    expect(() => assertValidEvent(rest)).toThrow(/sequence_number/);
  });

  it('rejects an unknown event type and a chat chunk', () => {
    expect(() => assertValidEvent({ ...delta, type: 'response.output_text.deltas' })).toThrow();
    expect(() => assertValidEvent({ id: 'chatcmpl-1', object: 'chat.completion.chunk', choices: [] })).toThrow();
  });

  it('checks the embedded response of lifecycle events', () => {
    expect(() => assertValidEvent({ type: 'response.completed', sequence_number: 5, response: { ...response(), status: 'finished' } })).toThrow(/status/);
  });
});

describe('assertValidItemList', () => {
  it('accepts an input item list and rejects one without data', () => {
    const list = {
      object: 'list',
      data: [{ id: 'msg_0', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'hi' }] }],
      first_id: 'msg_0',
      last_id: 'msg_0',
      has_more: false,
    };
    expect(() => assertValidItemList(list)).not.toThrow();
    const { data: _d, ...without } = list;
    expect(() => assertValidItemList(without)).toThrow(/data/);
  });
});
