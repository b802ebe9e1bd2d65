import { describe, expect, it } from 'vitest';
import { SseParser } from '../../src/upstream/sse.js';

const parseAll = (pieces: string[]): { data: string; event?: string }[] => {
  const p = new SseParser();
  const out = pieces.flatMap((piece) => p.push(piece));
  return [...out, ...p.end()];
};

describe('SseParser', () => {
  it('parses data events, ignoring comments and unknown fields', () => {
    expect(parseAll([': keep-alive\n\ndata: {"a":1}\n\nid: 3\ndata: [DONE]\n\n'])).toEqual([{ data: '{"a":1}' }, { data: '[DONE]' }]);
  });

  it('joins multi-line data and keeps the event name', () => {
    expect(parseAll(['event: error\ndata: line1\ndata: line2\n\n'])).toEqual([{ event: 'error', data: 'line1\nline2' }]);
  });

  it('handles CRLF and CR line endings, including a CRLF split across pushes', () => {
    expect(parseAll(['data: a\r', '\n\r', '\ndata: b\r\rdata: c\n\n'])).toEqual([{ data: 'a' }, { data: 'b' }, { data: 'c' }]);
  });

  it('gives the same events for every split point of a stream', () => {
    const stream = 'data: {"x":"héllo"}\n\ndata: {"y":2}\r\n\r\n: c\n\ndata: [DONE]\n\n';
    const whole = parseAll([stream]);
    for (let i = 0; i <= stream.length; i++) expect(parseAll([stream.slice(0, i), stream.slice(i)])).toEqual(whole);
  });

  it('flushes a final event that lacks the blank line', () => {
    expect(parseAll(['data: tail'])).toEqual([{ data: 'tail' }]);
  });

  it('strips exactly one space after the colon', () => {
    expect(parseAll(['data:  two\n\ndata:none\n\n'])).toEqual([{ data: ' two' }, { data: 'none' }]);
  });
});
