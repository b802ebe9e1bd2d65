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
});
