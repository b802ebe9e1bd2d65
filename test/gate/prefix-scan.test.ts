import { describe, expect, it } from 'vitest';
import { PrefixScanner } from '../../src/gate/prefix-scan.js';

const PATTERNS = [/\bprove\b|\bproof\b|证明/g, /how many|how much|多少/g, /translat|翻译/g, /\?|？/g];
const TEXTS = [
  'How many proofs? prove it, then translate: how much is it? how many?',
  'how manyhow many proof-proof ??',
  '请证明：一共有多少个？翻译成英文。',
  '',
  'p',
  'prov',
];

describe('PrefixScanner', () => {
  it('counts what String.prototype.match counts, for every unit', () => {
    const scanner = new PrefixScanner();
    const units = PATTERNS.map((p) => scanner.add(p));
    expect(units).toEqual([0, 1, 2, 3]);
    const out = new Int32Array(scanner.size);
    for (const text of TEXTS.map((t) => t.toLowerCase())) {
      scanner.count(text, out, 20);
      expect(Array.from(out), text).toEqual(PATTERNS.map((p) => text.match(p)?.length ?? 0));
    }
  });

  it('counts only the units of the mask and leaves the others in `out` as they were', () => {
    const scanner = new PrefixScanner();
    for (const p of PATTERNS) scanner.add(p);
    const out = new Int32Array(scanner.size).fill(-7);
    const whole = 'how many? a proof. how many? translate this';
    const edges = 'translate, translate: how many?';
    scanner.count(whole, out, 20, 0b0011);
    expect(Array.from(out)).toEqual([1, 2, -7, -7]);
    scanner.count(edges, out, 20, 0b1100);
    expect(Array.from(out)).toEqual([1, 2, 2, 1]);
  });

  it('stops a unit at the cap', () => {
    const scanner = new PrefixScanner();
    scanner.add(/\?|？/g);
    const out = new Int32Array(1);
    scanner.count('?'.repeat(50), out, 20);
    expect(out[0]).toBe(20);
  });

  it('refuses a pattern whose match prefixes it cannot bound, so the caller scans it as a regex', () => {
    const scanner = new PrefixScanner();
    expect(scanner.add(/\d+/g)).toBe(-1);
    expect(scanner.add(/\s*hi/g)).toBe(-1);
    expect(scanner.add(/^\s*hi|\d+/g)).toBe(-1);
    expect(scanner.add(/proof/)).toBe(-1);
    expect(scanner.size).toBe(0);
  });
});

describe('PrefixScanner, branches anchored at the start', () => {
  it('tries them at position 0 only, as String.prototype.match does', () => {
    const patterns = [/^\s*(?:hi|hello|ok)\b/g, /\bwho (?:is|was)\b|^\s*(?:who|what) (?:is|are)\b|tell me about/g, /^what|hat/g];
    const scanner = new PrefixScanner();
    expect(patterns.map((p) => scanner.add(p))).toEqual([0, 1, 2]);
    const out = new Int32Array(scanner.size);
    const texts = ['hi there', '  hello, who is it?', 'oh hi', 'ok', 'what is this? tell me about it, who was he', 'who are you? who is he?', ' what', 'that hat', 'x\nhi', ''];
    for (const text of texts) {
      scanner.count(text, out, 20);
      expect(Array.from(out), text).toEqual(patterns.map((p) => text.match(p)?.length ?? 0));
    }
  });
});
