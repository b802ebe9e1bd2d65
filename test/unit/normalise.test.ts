import { describe, expect, it } from 'vitest';
import { CompletionAssembler } from '../../src/core/fold.js';
import type { ChatCompletion, ChatCompletionChunk, ChunkDelta } from '../../src/core/types.js';
import { normaliseCompletion, StreamNormaliser } from '../../src/upstream/normalise.js';

const chunk = (delta: ChunkDelta, finish: string | null = null): ChatCompletionChunk => ({
  id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }],
});
const completion = (message: Record<string, unknown>): ChatCompletion => ({
  id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason: 'stop' }],
});

/** What a stream of these deltas folds to after normalising, as the stream path does. */
function foldStream(deltas: ChunkDelta[], tags?: { open: string; close: string; implicitOpen?: boolean }[]): ChatCompletion['choices'][number]['message'] {
  const normaliser = new StreamNormaliser('reasoning_content', tags);
  const assembler = new CompletionAssembler();
  deltas.forEach((d, i) => {
    const c = chunk(d, i === deltas.length - 1 ? 'stop' : null);
    normaliser.apply(c);
    assembler.add(c);
  });
  return normaliser.finish(assembler.result()).choices[0]!.message;
}

describe('reasoning field aliases', () => {
  it('the same thinking in reasoning and reasoning_content (some vLLM versions) is taken once, in streams and messages', () => {
    expect(foldStream([{ reasoning: '好的', reasoning_content: '好的' }, { reasoning: '，', reasoning_content: '，' }, { content: 'OK' }])).toMatchObject({ reasoning_content: '好的，', content: 'OK' });
    const m = normaliseCompletion(completion({ content: 'OK', reasoning: '好的', reasoning_content: '好的' }), 'reasoning_content').choices[0]!.message;
    expect(m.reasoning_content).toBe('好的');
    expect(m).not.toHaveProperty('reasoning');
  });

  it('reasoning_content wins when non-empty; an empty or null one falls back to reasoning', () => {
    expect(foldStream([{ reasoning_content: null, reasoning: 'a' }, { reasoning_content: '', reasoning: 'b' }, { content: 'x' }])).toMatchObject({ reasoning_content: 'ab' });
    const m = normaliseCompletion(completion({ content: 'x', reasoning_content: null, reasoning: 'r' }), 'reasoning').choices[0]!.message;
    expect(m).toMatchObject({ reasoning: 'r' });
    expect(m).not.toHaveProperty('reasoning_content');
  });
});

describe('an answer that starts inside the thinking block', () => {
  const pieces = ['Okay, the', ' user asks 2+2.\n</th', 'ink>\n\nThe answer', ' is 4.'];

  it('non-stream: the text before the leading closing tag is reasoning', () => {
    const m = normaliseCompletion(completion({ content: pieces.join('') }), 'reasoning_content').choices[0]!.message;
    expect(m).toMatchObject({ content: 'The answer is 4.', reasoning_content: 'Okay, the user asks 2+2.\n' });
  });

  it('a stream without implicitOpen passes live as content, and is folded for the cache like the non-stream answer', () => {
    const live = new StreamNormaliser('reasoning_content');
    const c = chunk({ role: 'assistant', content: pieces[0]! });
    expect(live.apply(c)).toBe(false);
    expect(foldStream(pieces.map((content) => ({ content })))).toMatchObject({ content: 'The answer is 4.', reasoning_content: 'Okay, the user asks 2+2.\n' });
  });

  it('a stream with implicitOpen splits it live', () => {
    const normaliser = new StreamNormaliser('reasoning_content', [{ open: '<think>', close: '</think>', implicitOpen: true }]);
    const first = chunk({ role: 'assistant', content: pieces[0]! });
    normaliser.apply(first);
    expect(first.choices[0]!.delta).toEqual({ role: 'assistant', reasoning_content: 'Okay, the' });
  });

  it('reasoning already in a field: a closing tag in the content is the answer\'s own text', () => {
    expect(foldStream([{ reasoning_content: 'r' }, { content: 'use </think> to close' }])).toMatchObject({ content: 'use </think> to close', reasoning_content: 'r' });
    const m = normaliseCompletion(completion({ content: 'use </think> to close', reasoning_content: 'r' }), 'reasoning_content').choices[0]!.message;
    expect(m.content).toBe('use </think> to close');
  });
});

describe('the first delta of a choice', () => {
  it('gets role assistant when the server sent none; later deltas are left alone', () => {
    const normaliser = new StreamNormaliser('reasoning_content');
    const first = chunk({ content: 'a' });
    expect(normaliser.apply(first)).toBe(true);
    expect(first.choices[0]!.delta).toEqual({ role: 'assistant', content: 'a' });
    const second = chunk({ content: 'b' });
    expect(normaliser.apply(second)).toBe(false);
    expect(second.choices[0]!.delta).toEqual({ content: 'b' });
  });
});

describe('choices a server left incomplete', () => {
  it('a choice without an index gets its position; a finish chunk without a delta still releases a held-back tag prefix', () => {
    const normaliser = new StreamNormaliser('reasoning_content');
    const assembler = new CompletionAssembler();
    const first = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ delta: { role: 'assistant', content: '<th' }, finish_reason: null }] } as unknown as ChatCompletionChunk;
    const last = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, finish_reason: 'stop' }] } as unknown as ChatCompletionChunk;
    for (const c of [first, last]) {
      normaliser.apply(c);
      assembler.add(c);
    }
    expect(first.choices[0]!.index).toBe(0);
    expect(normaliser.finish(assembler.result()).choices[0]!.message.content).toBe('<th');
  });
});

