import { describe, expect, it } from 'vitest';
import { SseParser, sseData } from '../../src/upstream/sse.js';

const parseAll = (pieces: string[]): { data: string; event?: string; id?: string }[] => {
  const p = new SseParser();
  const out = pieces.flatMap((piece) => p.push(piece));
  return [...out, ...p.end()];
};

describe('SseParser', () => {
  it('parses data events, ignoring comments and unknown fields', () => {
    expect(parseAll([': keep-alive\n\ndata: {"a":1}\n\nid: 3\nretry: 1000\ndata: [DONE]\n\n'])).toEqual([{ data: '{"a":1}' }, { id: '3', data: '[DONE]' }]);
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

  it('at the end: dispatches an event whose lines all ended, discards a partial last line (a cut)', () => {
    expect(parseAll(['data: tail\n'])).toEqual([{ data: 'tail' }]);
    expect(parseAll(['data: tail\r'])).toEqual([{ data: 'tail' }]);
    expect(parseAll(['data: {"a":1}\n\ndata: {"cut'])).toEqual([{ data: '{"a":1}' }]);
  });

  it('an empty data line is an event with empty data (a keep-alive some relays send), not an error', () => {
    expect(parseAll(['data:\n\ndata: \n\ndata: x\n\n'])).toEqual([{ data: '' }, { data: '' }, { data: 'x' }]);
  });

  it('a field name without a colon, unknown fields and a leading BOM are handled as the standard says', () => {
    expect(parseAll(['\uFEFFdata\nfoo: bar\ndata: b\n\n'])).toEqual([{ data: '\nb' }]);
  });

  it('sseData frames data holding line ends as one event with one data field per line', () => {
    for (const data of ['{"a":1}', '{\n  "a": 1\n}', 'x\r\ny\rz', '']) {
      expect(parseAll([sseData(data)])).toEqual([{ data: data.replace(/\r\n|\r/g, '\n') }]);
    }
  });

  it('strips exactly one space after the colon', () => {
    expect(parseAll(['data:  two\n\ndata:none\n\n'])).toEqual([{ data: ' two' }, { data: 'none' }]);
  });
});
