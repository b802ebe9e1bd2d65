import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SseParser, type SseEvent } from '../../src/upstream/sse.js';
import { ThinkTagSplitter } from '../../src/upstream/think-tags.js';

/** Cuts `text` at the given (sorted, deduplicated) offsets. */
function cut(text: string, offsets: number[]): string[] {
  const points = [...new Set(offsets.map((o) => o % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(text.slice(prev, p));
    prev = p;
  }
  out.push(text.slice(prev));
  return out;
}

const parseAll = (pieces: string[]): SseEvent[] => {
  const p = new SseParser();
  const events: SseEvent[] = [];
  for (const piece of pieces) events.push(...p.push(piece));
  events.push(...p.end());
  return events;
};

/** Field values: no line breaks (a line break ends a field), anything else including unicode. */
const lineText = fc.string({ unit: fc.oneof(fc.constantFrom('a', ' ', ':', '{', '"', 'é', '😀', '\u2028', 'd'), fc.string({ unit: 'grapheme', maxLength: 1 })), maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, ''));
const eol = fc.constantFrom('\n', '\r\n', '\r');
const line = fc.oneof(
  fc.tuple(lineText).map(([t]) => `data: ${t}`),
  fc.tuple(lineText).map(([t]) => `data:${t}`),
  fc.tuple(lineText).map(([t]) => `event: ${t}`),
  fc.tuple(lineText).map(([t]) => `: ${t}`),
  fc.tuple(lineText).map(([t]) => `id: ${t}`),
  fc.constant('data'),
  fc.constant(''),
);
const stream = fc.array(fc.tuple(line, eol), { maxLength: 30 }).map((ls) => ls.map(([l, e]) => l + e).join(''));

describe('SSE parser on arbitrary chunk splits', () => {
  it('gives the same events as one unsplit push', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 12 }), (text, offsets) => {
        expect(parseAll(cut(text, offsets))).toEqual(parseAll([text]));
      }),
      { numRuns: 500 },
    );
  });

  it('one character at a time too (a CRLF split across chunks is one line end)', () => {
    fc.assert(
      fc.property(stream, (text) => {
        expect(parseAll([...text])).toEqual(parseAll([text]));
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips data payloads framed as the gateway frames them', () => {
    fc.assert(
      fc.property(fc.array(fc.json(), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 8 }), (payloads, offsets) => {
        const text = payloads.map((p) => `data: ${p}\n\n`).join('');
        expect(parseAll(cut(text, offsets)).map((e) => e.data)).toEqual(payloads);
      }),
      { numRuns: 300 },
    );
  });
});

const split = (pieces: string[]): { reasoning: string; content: string } => ThinkTagSplitter.splitAll(pieces);

/** Text made of tag fragments, whitespace and words: the cases where a split tag matters. */
const thinkText = fc
  .array(fc.constantFrom('<think>', '</think>', '<', '</', 'think', '>', '<th', 'ink>', '\n', ' ', 'a', 'reason', 'answer', '😀', '</thi'), { maxLength: 25 })
  .map((parts) => parts.join(''));

describe('think-tag splitter on arbitrary chunk splits', () => {
  it('gives the same reasoning and content as one unsplit push', () => {
    fc.assert(
      fc.property(thinkText, fc.array(fc.nat(), { maxLength: 12 }), (text, offsets) => {
        expect(split(cut(text, offsets))).toEqual(split([text]));
      }),
      { numRuns: 1_000 },
    );
  });

  it('loses no non-tag text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.array(fc.nat(), { maxLength: 8 }), (answer, offsets) => {
        const clean = answer.replace(/<\/?think>/g, '');
        const { reasoning, content } = split(cut(`<think>\nr1\n</think>\n\n${clean}`, offsets));
        expect(reasoning).toBe('r1\n');
        expect(content).toBe(clean.replace(/^\s+/, ''));
      }),
      { numRuns: 500 },
    );
  });
});
