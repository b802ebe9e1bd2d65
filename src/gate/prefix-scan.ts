/**
 * One pass over the text instead of one regex scan per cue pattern.
 *
 * V8 cannot prefilter an alternation whose branches start with different characters, so a global scan of a
 * 40-branch word pattern probes every branch at every position (~4–12 µs per pattern on 2 KB of English). Here each
 * eligible pattern's possible match prefixes (first two characters, or the whole match when it is shorter) are derived
 * from its source at load time, and a single character loop looks up the text's character pairs in a table of pattern
 * bit-masks. Only at those candidate positions is the pattern run, as a sticky copy anchored there.
 *
 * Exact: a global scan from lastIndex L finds the least position p ≥ L where an anchored attempt succeeds. Every
 * match starts with one of the derived prefixes (lookarounds and \b are skipped during derivation, which only widens
 * the set), so visiting candidate positions in order, skipping those before the previous match's end (or start + 1 for
 * an empty match), and trying the sticky copy there gives the same matches as `String.prototype.match`. A branch
 * anchored at the start (`^`, not multiline) can only match at position 0, where every such unit is tried.
 */

import { topLevelBranches } from './cjk-split.js';

type Token =
  | { kind: 'chars'; chars: string[]; optional: boolean }
  | { kind: 'zero' }
  /** Something whose characters are not bounded (\d, \s, ., a negated class…): a prefix may not run into it. */
  | { kind: 'wild'; optional: boolean }
  | { kind: 'group'; alternatives: Token[][]; optional: boolean };

class Unsupported extends Error {}

const MAX_CLASS_CHARS = 64;

function classEnd(source: string, start: number): number {
  let i = start + 1;
  while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
  if (i >= source.length) throw new Unsupported('unterminated class');
  return i + 1;
}

/** The characters of a class `[…]` at `start`, or null when it is negated, large or uses \d-like escapes. */
function parseClass(source: string, start: number): { chars: string[] | null; end: number } {
  const end = classEnd(source, start);
  try {
    return { chars: classChars(source, start), end };
  } catch (error) {
    if (error instanceof Unsupported) return { chars: null, end };
    throw error;
  }
}

function classChars(source: string, start: number): string[] {
  let i = start + 1;
  if (source[i] === '^') throw new Unsupported('negated class');
  const chars: string[] = [];
  const readChar = (): string => {
    const ch = source[i] ?? '';
    if (ch === '\\') {
      const next = source[i + 1] ?? '';
      i += 2;
      if (next === 'n') return '\n';
      if (next === 't') return '\t';
      if (/[A-Za-z0-9]/.test(next)) throw new Unsupported(`class escape \\${next}`);
      return next;
    }
    i++;
    return ch;
  };
  while (i < source.length && source[i] !== ']') {
    const from = readChar();
    if (source[i] === '-' && source[i + 1] !== ']' && i + 1 < source.length) {
      i++;
      const to = readChar();
      for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c++) {
        chars.push(String.fromCharCode(c));
        if (chars.length > MAX_CLASS_CHARS) throw new Unsupported('large class');
      }
    } else chars.push(from);
    if (chars.length > MAX_CLASS_CHARS) throw new Unsupported('large class');
  }
  return chars;
}

/** Parses a (subset of) regex source into tokens; throws Unsupported for anything it cannot bound. */
function parseSequence(source: string, start: number, inGroup: boolean): { alternatives: Token[][]; end: number } {
  const alternatives: Token[][] = [];
  let current: Token[] = [];
  let i = start;
  while (i < source.length) {
    const ch = source[i] ?? '';
    if (ch === ')') {
      if (!inGroup) throw new Unsupported('unbalanced )');
      alternatives.push(current);
      return { alternatives, end: i + 1 };
    }
    if (ch === '|') {
      alternatives.push(current);
      current = [];
      i++;
      continue;
    }
    let token: Token;
    if (ch === '(') {
      let bodyStart = i + 1;
      let zeroWidth = false;
      if (source.startsWith('?:', bodyStart)) bodyStart += 2;
      else if (source.startsWith('?=', bodyStart) || source.startsWith('?!', bodyStart)) {
        bodyStart += 2;
        zeroWidth = true;
      } else if (source.startsWith('?<=', bodyStart) || source.startsWith('?<!', bodyStart)) {
        bodyStart += 3;
        zeroWidth = true;
      } else if (source[bodyStart] === '?') throw new Unsupported('group kind');
      const inner = parseSequence(source, bodyStart, true);
      i = inner.end;
      token = zeroWidth ? { kind: 'zero' } : { kind: 'group', alternatives: inner.alternatives, optional: false };
    } else if (ch === '[') {
      const cls = parseClass(source, i);
      i = cls.end;
      token = cls.chars === null ? { kind: 'wild', optional: false } : { kind: 'chars', chars: cls.chars, optional: false };
    } else if (ch === '\\') {
      const next = source[i + 1] ?? '';
      i += 2;
      if (next === 'b' || next === 'B') token = { kind: 'zero' };
      else if (next === 'n') token = { kind: 'chars', chars: ['\n'], optional: false };
      else if (next === 't') token = { kind: 'chars', chars: ['\t'], optional: false };
      else if (/[A-Za-z0-9]/.test(next)) token = { kind: 'wild', optional: false };
      else token = { kind: 'chars', chars: [next], optional: false };
    } else if (ch === '^' || ch === '$') {
      i++;
      token = { kind: 'zero' };
    } else if (ch === '.') {
      i++;
      token = { kind: 'wild', optional: false };
    } else if (ch === '*' || ch === '+' || ch === '?' || ch === '{' || ch === ']' || ch === '}') {
      throw new Unsupported(`meta ${ch}`);
    } else {
      i++;
      token = { kind: 'chars', chars: [ch], optional: false };
    }
    // Quantifier. `x?`, `x*`, `x{0,n}`: optional. `x+`, `x{n,m}` with n ≥ 1: x followed by an optional x (a superset
    // of what it matches, which is all a prefix needs).
    const q = source[i];
    if (q === '?' || q === '*' || q === '+' || q === '{') {
      if (token.kind === 'zero') throw new Unsupported('quantified assertion');
      let min: number;
      if (q === '{') {
        const m = /^\{(\d+)(?:,\d*)?\}/.exec(source.slice(i));
        if (m === null) throw new Unsupported('bad {');
        min = Number(m[1]);
        i += m[0].length;
      } else {
        min = q === '+' ? 1 : 0;
        i++;
      }
      if (source[i] === '?') i++; // lazy
      if (min === 0) current.push({ ...token, optional: true });
      else current.push(token, { ...token, optional: true });
      continue;
    }
    current.push(token);
  }
  if (inGroup) throw new Unsupported('unterminated group');
  alternatives.push(current);
  return { alternatives, end: i };
}

const PREFIX_LENGTH = 4;

/**
 * Strings of at most PREFIX_LENGTH characters such that every match of `tokens` starts with one of them. A prefix stops
 * early at the end of the match or at an unbounded token (\s, ., a negated class…).
 */
function collectPrefixes(tokens: readonly Token[], index: number, acc: string, out: Set<string>): void {
  if (out.size > 4096) throw new Unsupported('too many prefixes');
  if (acc.length >= PREFIX_LENGTH || index >= tokens.length) {
    out.add(acc);
    return;
  }
  const token = tokens[index] as Token;
  if (token.kind === 'zero') {
    collectPrefixes(tokens, index + 1, acc, out);
    return;
  }
  if (token.optional) collectPrefixes(tokens, index + 1, acc, out);
  if (token.kind === 'wild') {
    out.add(acc);
    return;
  }
  if (token.kind === 'chars') {
    for (const c of token.chars) collectPrefixes(tokens, index + 1, acc + c, out);
    return;
  }
  const rest = tokens.slice(index + 1);
  for (const alternative of token.alternatives) collectPrefixes([...alternative, ...rest], 0, acc, out);
}

/**
 * The possible match prefixes of a pattern, or null when the source uses something the derivation does not bound
 * (\d, \w, \s, ., negated or large classes, + repetition) or a prefix would be a single letter, digit or space
 * (too frequent to be worth it).
 */
export function matchPrefixes(pattern: RegExp): Set<string> | null {
  if (pattern.flags.includes('i') || pattern.flags.includes('u') || pattern.flags.includes('s')) return null;
  try {
    const { alternatives } = parseSequence(pattern.source, 0, false);
    const out = new Set<string>();
    for (const alternative of alternatives) collectPrefixes(alternative, 0, '', out);
    for (const prefix of out) if (prefix.length === 0 || (prefix.length === 1 && /[\sA-Za-z0-9]/.test(prefix))) return null;
    return out;
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
}

/**
 * A pattern's top-level branches anchored at the text's start (`^…`; without the `m` flag they can only match at
 * position 0, where the scanner always tries the pattern) and the rest as one pattern whose prefixes are derived (null
 * when every branch is anchored). "Hi…"/"What is…" openings (`chitchat`, `factual_question`) are scanned this way
 * instead of a global regex scan each.
 */
function splitAnchored(pattern: RegExp): { anchored: boolean; rest: RegExp | null } {
  if (pattern.flags.includes('m')) return { anchored: false, rest: pattern };
  const branches = topLevelBranches(pattern.source);
  const others = branches.filter((b) => !b.startsWith('^'));
  if (others.length === branches.length) return { anchored: false, rest: pattern };
  return { anchored: true, rest: others.length === 0 ? null : new RegExp(others.join('|'), pattern.flags) };
}

const MAX_UNITS = 31;
/** Bit 31 of a table entry: some longer prefix starts with these characters (units use bits 0–30). */
const LONGER = 1 << 31;
const NEXT_BITS = 14;
const NEXT_MASK = (1 << NEXT_BITS) - 1;

/** Rolling hash of a prefix's characters; collisions only add candidate positions (never lose one). */
function mix(hash: number, code: number): number {
  return (Math.imul(hash, 0x01000193) ^ code) >>> 0;
}

/**
 * A set of global patterns counted together in one pass over one text.
 *
 * Two tables, sized for what a request touches rather than for the hash's range: the scan reads them at nearly every
 * character, and between two requests the rest of the server evicts them from the core's caches, so every line of
 * them a prompt touches is a miss. Units and the "a longer prefix follows" flag share an entry (one read per step).
 */
export class PrefixScanner {
  private readonly sticky: RegExp[] = [];
  /** starts[c]: the units with the one-character prefix c, and LONGER when a longer prefix starts with c (0: none). */
  private readonly starts = new Int32Array(65536);
  /**
   * next[hash of the first k ≥ 2 characters & NEXT_MASK]: the units with a prefix of exactly those k characters, and
   * LONGER when a longer prefix starts with them. One table for every k (16K entries, 64 KB; the previous layout had a
   * 256 KB table per k and a flag table beside each): all the shipped cues' patterns in one scanner fill < 2 800
   * entries, so a collision (a wasted anchored test, or one more step) is rare.
   */
  private readonly next = new Int32Array(1 << NEXT_BITS);
  private readonly lastEnd: number[] = [];
  /** Units with a branch anchored at the text's start (`^…`, not multiline): always tried at position 0. */
  private atStart = 0;

  /** Adds a pattern if its prefixes can be derived; returns its unit index, or -1 (the caller keeps scanning it). */
  add(pattern: RegExp): number {
    if (!pattern.global || this.sticky.length >= MAX_UNITS) return -1;
    const { anchored, rest } = splitAnchored(pattern);
    const prefixes = rest === null ? new Set<string>() : matchPrefixes(rest);
    if (prefixes === null) return -1;
    const unit = this.sticky.length;
    const bit = 1 << unit;
    if (anchored) this.atStart |= bit;
    this.sticky.push(new RegExp(pattern.source, pattern.flags.replace('g', '') + 'y'));
    this.lastEnd.push(0);
    for (const prefix of prefixes) {
      const c1 = prefix.charCodeAt(0);
      if (prefix.length === 1) {
        this.starts[c1] = (this.starts[c1] ?? 0) | bit;
        continue;
      }
      this.starts[c1] = (this.starts[c1] ?? 0) | LONGER;
      let hash = c1;
      for (let k = 1; k < prefix.length; k++) {
        hash = mix(hash, prefix.charCodeAt(k));
        const slot = hash & NEXT_MASK;
        this.next[slot] = (this.next[slot] ?? 0) | (k + 1 === prefix.length ? bit : LONGER);
      }
    }
    return unit;
  }

  get size(): number {
    return this.sticky.length;
  }

  /**
   * Match counts per unit (what `text.match(pattern)?.length ?? 0` gives), each stopped once it reaches `cap`.
   * `units` (a bit per unit, default all) limits the scan to some units: only theirs are counted and written to `out`,
   * so two calls over two texts (a whole text, its edges) can fill one `out` for disjoint unit sets.
   */
  count(text: string, out: Int32Array, cap: number, units = -1): void {
    const wanted = units & ~LONGER;
    const lastEnd = this.lastEnd;
    for (let u = 0; u < this.sticky.length; u++) {
      if ((wanted & (1 << u)) === 0) continue;
      out[u] = 0;
      lastEnd[u] = 0;
    }
    const n = text.length;
    const starts = this.starts;
    const next = this.next;
    const atStart = this.atStart & wanted;
    for (let p = 0; p < n; p++) {
      const c1 = text.charCodeAt(p);
      let entry = starts[c1] as number;
      if (entry === 0 && (p !== 0 || atStart === 0)) continue;
      let candidates = (entry & wanted) | (p === 0 ? atStart : 0);
      let hash = c1;
      for (let k = 1; entry < 0 && k < PREFIX_LENGTH && p + k < n; k++) {
        hash = mix(hash, text.charCodeAt(p + k));
        entry = next[hash & NEXT_MASK] as number;
        candidates |= entry & wanted;
      }
      while (candidates !== 0) {
        const bit = candidates & -candidates;
        candidates ^= bit;
        const u = 31 - Math.clz32(bit);
        if (p < (lastEnd[u] as number)) continue;
        const re = this.sticky[u] as RegExp;
        re.lastIndex = p;
        if (re.test(text)) {
          const c = (out[u] as number) + 1;
          out[u] = c;
          // After an empty match a global scan moves on by one character.
          lastEnd[u] = c >= cap ? Number.POSITIVE_INFINITY : Math.max(re.lastIndex, p + 1);
        }
      }
    }
  }
}
