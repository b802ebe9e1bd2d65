import { describe, expect, it } from 'vitest';
import { removeThinkBlocks, ThinkTagSplitter } from '../../src/upstream/think-tags.js';

const run = (pieces: string[]): { reasoning: string; content: string } => ThinkTagSplitter.splitAll(pieces);

describe('ThinkTagSplitter', () => {
  const text = '<think>\nStep 1: 2+2=4.\n</think>\n\nThe answer is 4.';

  it('splits reasoning from the answer and drops the layout newlines around the tags', () => {
    expect(run([text])).toEqual({ reasoning: 'Step 1: 2+2=4.\n', content: 'The answer is 4.' });
  });

  it('gives the same split for every chunk size, including tags cut mid-way', () => {
    const whole = run([text]);
    for (let size = 1; size <= text.length; size++) {
      const pieces: string[] = [];
      for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
      expect(run(pieces)).toEqual(whole);
    }
  });

  it('passes content without a leading tag through unchanged, even if it mentions <think> later', () => {
    expect(run(['Use the ', '<think> tag like this: <think>x</think>'])).toEqual({ reasoning: '', content: 'Use the <think> tag like this: <think>x</think>' });
  });

  it('treats an unterminated think block as reasoning', () => {
    expect(run(['<think>still thinking'])).toEqual({ reasoning: 'still thinking', content: '' });
  });

  it('releases a held-back partial tag at flush', () => {
    expect(run(['<thi'])).toEqual({ reasoning: '', content: '<thi' });
  });

  it('removes think blocks from history text', () => {
    expect(removeThinkBlocks('<think>a</think>\n\nb <think>c</think>d')).toBe('b d');
    expect(removeThinkBlocks('no tags')).toBe('no tags');
  });

  const R1 = 'Okay, the user asks 2+2.\n</think>\n\nThe answer is 4.';

  it('a complete answer whose first tag is a closing tag holds reasoning before it (R1 distills, <think> in the prompt)', () => {
    expect(ThinkTagSplitter.splitComplete(R1)).toEqual({ reasoning: 'Okay, the user asks 2+2.\n', content: 'The answer is 4.' });
    // An opening tag first: the closing tag later in the answer is the answer's own text.
    expect(ThinkTagSplitter.splitComplete('Write <think>x</think> to think.')).toEqual({ reasoning: '', content: 'Write <think>x</think> to think.' });
  });

  it('implicitOpen streams everything before the closing tag as reasoning, for every chunk size', () => {
    const tags = [{ open: '<think>', close: '</think>', implicitOpen: true }];
    for (let size = 1; size <= R1.length; size++) {
      const pieces: string[] = [];
      for (let i = 0; i < R1.length; i += size) pieces.push(R1.slice(i, i + size));
      expect(ThinkTagSplitter.splitAll(pieces, tags)).toEqual({ reasoning: 'Okay, the user asks 2+2.\n', content: 'The answer is 4.' });
    }
    // The opening tag sent anyway is consumed, not doubled.
    expect(ThinkTagSplitter.splitAll(['<think>\nhm\n</think>\n\nok'], tags)).toEqual({ reasoning: 'hm\n', content: 'ok' });
  });

  it('implicitOpen does not hold the first words back', () => {
    const splitter = new ThinkTagSplitter([{ open: '<think>', close: '</think>', implicitOpen: true }]);
    expect(splitter.push('Okay, ')).toEqual({ reasoning: 'Okay, ', content: '' });
  });

  it('recognises configured pairs of other model families', () => {
    const tags = [{ open: '<think>', close: '</think>' }, { open: '<|begin_of_thought|>', close: '<|end_of_thought|>' }];
    expect(ThinkTagSplitter.splitAll(['<|begin_of_', 'thought|>plan<|end_of', '_thought|>\n\nanswer'], tags)).toEqual({ reasoning: 'plan', content: 'answer' });
    expect(ThinkTagSplitter.splitAll(['<think>a</think>b'], tags)).toEqual({ reasoning: 'a', content: 'b' });
    expect(ThinkTagSplitter.splitAll(['<think>a</think>b'], [])).toEqual({ reasoning: '', content: '<think>a</think>b' });
  });

  it('history hygiene strips a leading closing-tag block and the blocks of every configured pair', () => {
    expect(removeThinkBlocks(R1)).toBe('The answer is 4.');
    const tags = [{ open: '<think>', close: '</think>' }, { open: '[THINK]', close: '[/THINK]' }];
    expect(removeThinkBlocks('[THINK]x[/THINK]\n\na <think>y</think>b', tags)).toBe('a b');
    expect(removeThinkBlocks('an unclosed <think> stays', tags)).toBe('an unclosed <think> stays');
  });
});

