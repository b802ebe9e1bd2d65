import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { replayCompletion, splitText } from '../../src/apis/chat/replay.js';
import { CompletionAssembler } from '../../src/core/fold.js';
import type { ChatCompletion, ChatCompletionChunk } from '../../src/core/types.js';
import { SseParser } from '../../src/upstream/sse.js';

function parse(sse: string): { chunks: ChatCompletionChunk[]; done: boolean } {
  const events = new SseParser().push(sse);
  const chunks: ChatCompletionChunk[] = [];
  let done = false;
  for (const e of events) {
    if (e.data === '[DONE]') done = true;
    else chunks.push(JSON.parse(e.data) as ChatCompletionChunk);
  }
  return { chunks, done };
}

function assemble(chunks: ChatCompletionChunk[]): ChatCompletion {
  const a = new CompletionAssembler();
  for (const c of chunks) a.add(c);
  return a.result();
}

const usage = { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30, completion_tokens_details: { reasoning_tokens: 12 } };

const stored: ChatCompletion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'fake-reasoner',
  system_fingerprint: 'fp_1',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'The answer is 42, because '.repeat(8),
        reasoning_content: 'First, consider the question carefully. '.repeat(6),
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: JSON.stringify({ q: 'x'.repeat(150) }) } },
          { id: 'call_2', type: 'function', function: { name: 'calc', arguments: '{"a":1}' } },
        ],
        refusal: 'partly refused',
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    },
    { index: 1, message: { role: 'assistant', content: 'second choice 🎉 done' }, finish_reason: 'stop', logprobs: null },
  ],
  usage,
};

describe('replayCompletion', () => {
  it('assembles back to the stored completion, field by field', () => {
    const { chunks, done } = parse(replayCompletion(stored, { includeUsage: true, output: 'reasoning_content' }));
    expect(done).toBe(true);
    const back = assemble(chunks);
    expect(back).toEqual(stored);
    expect(back.choices[0]!.message.reasoning_content).toBe(stored.choices[0]!.message.reasoning_content);
    expect(back.choices[0]!.message.tool_calls).toEqual(stored.choices[0]!.message.tool_calls);
  });

  it('splits texts into several chunks, role chunk first, finish then usage last, [DONE] at the end', () => {
    const sse = replayCompletion(stored, { includeUsage: true, output: 'reasoning_content', pieceChars: 16 });
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(true);
    const { chunks } = parse(sse);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    const contentChunks = chunks.filter((c) => typeof c.choices[0]?.delta.content === 'string' && c.choices[0].delta.content !== '');
    const reasoningChunks = chunks.filter((c) => typeof c.choices[0]?.delta.reasoning_content === 'string');
    const argChunks = chunks.filter((c) => c.choices[0]?.delta.tool_calls?.[0]?.function?.arguments);
    expect(contentChunks.length).toBeGreaterThan(5);
    expect(reasoningChunks.length).toBeGreaterThan(5);
    expect(argChunks.length).toBeGreaterThan(5);
    const reasoningIdx = chunks.indexOf(reasoningChunks[0]!);
    const contentIdx = chunks.indexOf(contentChunks[0]!);
    expect(reasoningIdx).toBeLessThan(contentIdx);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual(usage);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === 'chatcmpl-1' && c.system_fingerprint === 'fp_1')).toBe(true);
  });

  it('leaves the usage chunk out unless asked', () => {
    const { chunks } = parse(replayCompletion(stored, { includeUsage: false, output: 'reasoning_content' }));
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(assemble(chunks).usage).toBeNull();
  });

  it('sends reasoning in the configured field, or not at all under strip', () => {
    const asReasoning = assemble(parse(replayCompletion(stored, { includeUsage: false, output: 'reasoning' })).chunks);
    expect(asReasoning.choices[0]!.message.reasoning).toBe(stored.choices[0]!.message.reasoning_content);
    expect(asReasoning.choices[0]!.message.reasoning_content).toBeUndefined();
    const stripped = assemble(parse(replayCompletion(stored, { includeUsage: false, output: 'strip' })).chunks);
    expect(stripped.choices[0]!.message.reasoning_content).toBeUndefined();
  });

  it('keeps content null for a tool-call-only answer and replays logprobs', () => {
    const logprobs = { content: [{ token: 'a', logprob: -0.1, bytes: [97], top_logprobs: [] }], refusal: null };
    const toolOnly: ChatCompletion = {
      ...stored,
      choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: 'tool_calls', logprobs }],
      usage: null,
    };
    const back = assemble(parse(replayCompletion(toolOnly, { includeUsage: false, output: 'reasoning_content' })).chunks);
    expect(back.choices[0]!.message.content).toBeNull();
    expect(back.choices[0]!.logprobs).toEqual(logprobs);
  });
});

describe('splitText', () => {
  it('joins back to the text and never splits a surrogate pair (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 1, max: 9 }), (text, size) => {
        const pieces = splitText(text, size);
        expect(pieces.join('')).toBe(text);
        // A lone surrogate at either end of a piece would mean a pair was cut.
        for (const p of pieces) expect(/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(p)).toBe(false);
      }),
    );
  });
});
