import { describe, expect, it } from 'vitest';
import { forEachJsonLine } from '../../src/core/json-lines.js';

class CustomError extends Error {}

describe('forEachJsonLine', () => {
  it('hands each non-blank line parsed, with its 1-based line number', () => {
    const seen: [unknown, number][] = [];
    forEachJsonLine('{"a":1}\n\n  \n[2]\n"x"', 'f', (json, lineNo) => seen.push([json, lineNo]));
    expect(seen).toEqual([
      [{ a: 1 }, 1],
      [[2], 4],
      ['x', 5],
    ]);
  });

  it('a line that is not JSON throws naming file and line; the error class is the caller\'s choice', () => {
    expect(() => forEachJsonLine('{}\n{nope', 'in.jsonl', () => {})).toThrow(new Error('in.jsonl:2: not valid JSON'));
    expect(() => forEachJsonLine('nope', 'stdin', () => {}, (m) => new CustomError(m))).toThrow(CustomError);
  });

  it('what the callback throws passes through unchanged', () => {
    const mine = new CustomError('bad field');
    expect(() =>
      forEachJsonLine('{}', 'f', () => {
        throw mine;
      }),
    ).toThrow(mine);
  });
});
