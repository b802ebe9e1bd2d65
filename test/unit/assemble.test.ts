import { describe, expect, it } from 'vitest';
import { CompletionAssembler } from '../../src/core/fold.js';
import type { ChatCompletionChunk } from '../../src/core/types.js';

const chunk = (choices: ChatCompletionChunk['choices'], usage?: ChatCompletionChunk['usage']): ChatCompletionChunk => ({
  id: 'c1', object: 'chat.completion.chunk', created: 5, model: 'm', choices, ...(usage ? { usage } : {}),
});

describe('CompletionAssembler', () => {
  it('folds content, reasoning, tool calls and usage into one completion', () => {
    const a = new CompletionAssembler();
    a.add(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
    a.add(chunk([{ index: 0, delta: { reasoning_content: 'think ' }, finish_reason: null }]));
    a.add(chunk([{ index: 0, delta: { reasoning_content: 'more' }, finish_reason: null }]));
    a.add(chunk([{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a"' } }] }, finish_reason: null }]));
    a.add(chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }, finish_reason: null }]));
    expect(a.complete).toBe(false);
    a.add(chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]));
    a.add(chunk([], { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }));
    expect(a.complete).toBe(true);
    expect(a.result()).toEqual({
      id: 'c1', object: 'chat.completion', created: 5, model: 'm',
      choices: [{
        index: 0, finish_reason: 'tool_calls', logprobs: null,
        message: { role: 'assistant', content: null, reasoning_content: 'think more', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
      }],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
  });

  it('keeps interleaved choices apart (n > 1)', () => {
    const a = new CompletionAssembler();
    a.add(chunk([{ index: 1, delta: { content: 'B' }, finish_reason: null }, { index: 0, delta: { content: 'A' }, finish_reason: null }]));
    a.add(chunk([{ index: 0, delta: { content: 'a' }, finish_reason: 'stop' }]));
    expect(a.complete).toBe(false);
    a.add(chunk([{ index: 1, delta: { content: 'b' }, finish_reason: 'stop' }]));
    expect(a.result().choices.map((c) => c.message.content)).toEqual(['Aa', 'Bb']);
  });

  it('sets identifying fields a provider resends in every delta, and appends only arguments (as the SDK does)', () => {
    const a = new CompletionAssembler();
    const call = (args: string): ChatCompletionChunk =>
      chunk([{ index: 0, delta: { role: 'assistant', tool_calls: [{ index: 0, id: 'call_9', type: 'function', function: { name: 'read_file', arguments: args } }] }, finish_reason: null }]);
    for (const piece of ['{"pa', 'th":', '"a.txt"}']) a.add(call(piece));
    a.add(chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]));
    expect(a.result().choices[0]?.message.tool_calls).toEqual([{ id: 'call_9', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.txt"}' } }]);
  });

  it('builds the finish chunk [DONE] implies: tool_calls for a choice that streamed calls, stop otherwise; nothing when all finished', () => {
    const a = new CompletionAssembler();
    a.add(chunk([{ index: 0, delta: { role: 'assistant', content: 'hi' }, finish_reason: null }, { index: 1, delta: { tool_calls: [{ index: 0, id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: null }]));
    expect(a.complete).toBe(false);
    const synth = a.finishChunk();
    a.add(synth!);
    expect(synth?.choices).toEqual([
      { index: 0, delta: {}, finish_reason: 'stop', logprobs: null },
      { index: 1, delta: {}, finish_reason: 'tool_calls', logprobs: null },
    ]);
    expect(synth).toMatchObject({ id: 'c1', object: 'chat.completion.chunk', model: 'm', created: 5 });
    expect(a.complete).toBe(true);
    expect(a.finishChunk()).toBeNull();
    expect(new CompletionAssembler().finishChunk()).toBeNull();
  });
});
