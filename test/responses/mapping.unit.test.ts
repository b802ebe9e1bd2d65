import { describe, expect, it } from 'vitest';
import { validateResponsesRequest } from '../../src/apis/responses/validate.js';
import { toCanonical } from '../../src/apis/responses/request.js';
import { mapTools, customInput } from '../../src/apis/responses/tools.js';
import { GatewayError } from '../../src/errors.js';

/** Request validation and mapping (Responses → canonical chat), pure: no sockets. */

const map = (body: Record<string, unknown>) => toCanonical(validateResponsesRequest(body), []);

function rejects(body: unknown): GatewayError {
  try {
    validateResponsesRequest(body);
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected a 400');
}

describe('validation', () => {
  it('names the field with OpenAI-style paths and messages', () => {
    expect(rejects({ input: [{ role: 'user', content: 'a' }, { role: 'wizard', content: 'b' }] })).toMatchObject({ status: 400, param: 'input[1].role' });
    const missing = rejects({ input: [{ type: 'function_call', call_id: 'c', arguments: '{}' }] });
    expect(missing).toMatchObject({ param: 'input[0].name', code: 'missing_required_parameter' });
    expect(missing.message).toBe("Missing required parameter: 'input[0].name'.");
    const wrongType = rejects({ input: 'x', max_output_tokens: 'many' });
    expect(wrongType.message).toBe("Invalid type for 'max_output_tokens': expected an integer, but got a string instead.");
    expect(rejects({ input: [{ role: 'user', content: [{ type: 'input_text' }] }] })).toMatchObject({ param: 'input[0].content[0].text' });
    expect(rejects('just text')).toMatchObject({ status: 400, code: 'invalid_body' });
    // An item's type: unknown, missing (no role either) and of the wrong type each say so, naming the field.
    const unknownType = rejects({ input: [{ type: 'bogus_item' }] });
    expect(unknownType).toMatchObject({ param: 'input[0].type', code: 'invalid_value' });
    expect(unknownType.message).toMatch(/^Invalid value for 'input\[0\]\.type': 'bogus_item'\. Supported values are: 'message', /);
    const noType = rejects({ input: [{ content: 'hi' }] });
    expect(noType).toMatchObject({ param: 'input[0].type', code: 'missing_required_parameter' });
    expect(noType.message).toBe("Missing required parameter: 'input[0].type'. An input item needs a type, or a role for a message.");
    expect(rejects({ input: [{ type: 5 }] }).message).toBe("Invalid type for 'input[0].type': expected a string, but got an integer instead.");
    expect(rejects({ input: 'x', tools: [{ type: 'function', parameters: {} }] })).toMatchObject({ param: 'tools[0].name', code: 'missing_required_parameter' });
    expect(rejects({ input: 'x', tools: [{ type: 'namespace', name: 'ns', tools: [{ type: 'function' }] }] })).toMatchObject({ param: 'tools[0].tools[0].name' });
    expect(rejects({ input: [{ type: 'item_reference', id: 'msg_1' }] })).toMatchObject({ param: 'input[0].type', code: 'unsupported_parameter' });
  });

  it('accepts hosted-tool items in history (carried, left out of a chat conversation) and ignores unknown top-level fields', () => {
    const request = validateResponsesRequest({
      input: [{ role: 'user', content: 'search' }, { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'q' } }],
      client_metadata: { a: 1 },
      some_new_field: true,
    });
    expect(request.unknownFields).toEqual(['client_metadata', 'some_new_field']);
    const mapped = toCanonical(request, []);
    expect(mapped.canonical.messages).toEqual([{ role: 'user', content: 'search' }]);
    expect(mapped.skippedItems).toEqual(['web_search_call']);
    expect(mapped.canonical).not.toHaveProperty('client_metadata');
  });
});

describe('input items → messages', () => {
  it('instructions first; roles kept; parts mapped (images, files, assistant history)', () => {
    const { canonical } = map({
      instructions: 'Sys',
      input: [
        { role: 'developer', content: [{ type: 'input_text', text: 'a' }, { type: 'input_text', text: 'b' }] },
        { role: 'user', content: [{ type: 'input_text', text: 'look' }, { type: 'input_image', image_url: 'https://x/y.png', detail: 'low' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'seen', annotations: [] }] },
        { role: 'user', content: [{ type: 'input_file', file_data: 'data:application/pdf;base64,AA', filename: 'a.pdf' }] },
      ],
    });
    expect(canonical.messages).toEqual([
      { role: 'system', content: 'Sys' },
      { role: 'developer', content: 'a\nb' },
      { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'low' } }] },
      { role: 'assistant', content: 'seen' },
      { role: 'user', content: [{ type: 'file', file: { file_data: 'data:application/pdf;base64,AA', filename: 'a.pdf' } }] },
    ]);
  });

  it('reasoning, text and calls of one turn make one assistant message; outputs are tool messages', () => {
    const { canonical } = map({
      input: [
        { role: 'user', content: 'go' },
        { type: 'reasoning', id: 'rs_1', summary: [], content: [{ type: 'reasoning_text', text: 'hmm' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'calling', annotations: [] }] },
        { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{"a":1}' },
        { type: 'custom_tool_call', call_id: 'c2', name: 'patch', input: 'diff' },
        { type: 'function_call', call_id: 'c3', name: 'spawn', namespace: 'agents', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: 'one' },
        { type: 'custom_tool_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'ok' }] },
        { type: 'function_call_output', call_id: 'c3', output: 'spawned' },
      ],
    });
    expect(canonical.messages).toEqual([
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: 'calling',
        reasoning_content: 'hmm',
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
          { id: 'c2', type: 'function', function: { name: 'patch', arguments: '{"input":"diff"}' } },
          { id: 'c3', type: 'function', function: { name: 'agents__spawn', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'one' },
      { role: 'tool', tool_call_id: 'c2', content: 'ok' },
      { role: 'tool', tool_call_id: 'c3', content: 'spawned' },
    ]);
  });

  it('two assistant texts in a row stay two turns; encrypted-only reasoning adds nothing', () => {
    const { canonical } = map({
      input: [
        { role: 'user', content: 'q' },
        { type: 'message', role: 'assistant', content: 'one' },
        { type: 'reasoning', summary: [], encrypted_content: 'gAAA', content: null },
        { type: 'message', role: 'assistant', content: 'two' },
      ],
    });
    expect(canonical.messages).toEqual([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'one' },
      { role: 'assistant', content: 'two' },
    ]);
  });
});

describe('parameters and tools', () => {
  it('maps text.format, max_output_tokens, effort, sampling and ids; parallel_tool_calls only with tools', () => {
    // Fields with the same name and meaning in both APIs: carried over as they are.
    const sameInBoth = { temperature: 0.2, top_p: 0.9, user: 'u1', safety_identifier: 's1', prompt_cache_key: 'p1' };
    const { canonical } = map({
      input: 'x',
      text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
      max_output_tokens: 100,
      reasoning: { effort: 'max' },
      ...sameInBoth,
      // Not carried: the response echoes it; on Chat Completions it needs store: true, which OpenAI refuses otherwise.
      metadata: { k: 'v' },
      parallel_tool_calls: false,
      stream: true,
    });
    expect(canonical).toEqual({
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      reasoning_effort: 'max',
      response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } },
      max_tokens: 100,
      ...sameInBoth,
    });
    expect(map({ input: 'x', text: { format: { type: 'json_object' } } }).canonical.response_format).toEqual({ type: 'json_object' });
  });

  it('custom tools become one-string functions (grammar told in the description); namespaces flatten; hosted tools dropped', () => {
    const m = mapTools(
      [
        { type: 'custom', name: 'patch', description: 'Apply', format: { type: 'grammar', syntax: 'lark', definition: 'start: "x"' } },
        { type: 'namespace', name: 'ns', description: 'd', tools: [{ type: 'function', name: 'f', parameters: { type: 'object' } }, { type: 'custom', name: 'g' }] },
        { type: 'web_search' },
        { type: 'mcp', server_label: 's' },
        { type: 'web_search' },
      ],
      { type: 'function', name: 'f' },
    );
    expect(m.dropped).toEqual(['web_search', 'mcp']);
    expect(m.chatTools?.map((t) => t.function.name)).toEqual(['patch', 'ns__f', 'ns__g']);
    expect(m.chatTools?.[0]?.function.description).toContain('lark grammar:\nstart: "x"');
    expect(m.bindings.get('ns__g')).toEqual({ kind: 'custom', name: 'g', namespace: 'ns' });
    expect(m.toolChoice).toEqual({ type: 'function', function: { name: 'ns__f' } });
    expect(mapTools([{ type: 'function', name: 'a', parameters: null, strict: null }], { type: 'web_search_preview' }).toolChoice).toBe('auto');
    expect(mapTools([{ type: 'web_search' }], 'required').chatTools).toBeUndefined();
  });

  it('custom tool input comes back from the JSON wrapper, or raw text when the model skipped it', () => {
    expect(customInput('{"input":"a\\nb"}')).toBe('a\nb');
    expect(customInput('*** Begin Patch')).toBe('*** Begin Patch');
  });
});
