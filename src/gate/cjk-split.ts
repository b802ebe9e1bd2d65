/**
 * Splits a cue pattern's top-level alternation into the branches that can only match where the text has a CJK
 * ideograph and the rest. English prompts then skip the Chinese branches entirely: V8 cannot prefilter an
 * alternation whose branches start with different characters, so every branch costs a probe at every position.
 * Done once at module load.
 */

export interface SplitPattern {
  /** Branches that may match text without any CJK ideograph; null when there are none. */
  readonly any: RegExp | null;
  /** Branches that need a CJK ideograph in the text; null when there are none. */
  readonly cjk: RegExp | null;
}

const CJK_CHAR = /[\u3400-\u9fff\uf900-\ufaff]/;
export const HAS_CJK = CJK_CHAR;

/** Positions of the characters of a regex source that stand at top level (outside groups, classes and escapes). */
function* topLevelPositions(source: string): Generator<number> {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') inClass = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0) yield i;
  }
}

/** Top-level `|` branches of a regex source (outside groups, classes and escapes). */
export function topLevelBranches(source: string): string[] {
  const branches: string[] = [];
  let start = 0;
  for (const i of topLevelPositions(source)) {
    if (source[i] !== '|') continue;
    branches.push(source.slice(start, i));
    start = i + 1;
  }
  branches.push(source.slice(start));
  return branches;
}

/**
 * Whether every match of the branch contains a CJK ideograph: it has a CJK literal outside groups and classes that is
 * not optional (not followed by ?, * or {0). Conservative: a branch that needs CJK only inside a group stays in `any`.
 */
export function branchNeedsCjk(branch: string): boolean {
  for (const i of topLevelPositions(branch)) {
    if (!CJK_CHAR.test(branch[i] ?? '')) continue;
    const next = branch.slice(i + 1, i + 3);
    if (!(next.startsWith('?') || next.startsWith('*') || next.startsWith('{0'))) return true;
  }
  return false;
}

const WORD_START = '\\b';

/**
 * `\bfoo|\bbar|baz` → `\b(?:foo|bar)|baz`: one word-boundary test per position instead of one per branch (most
 * positions are not boundaries). Branches that match at the same position keep their relative order.
 */
function factorWordStarts(branches: string[]): string[] {
  const worded = branches.filter((b) => b.startsWith(WORD_START));
  if (worded.length < 2) return branches;
  const rest = branches.filter((b) => !b.startsWith(WORD_START));
  return [`${WORD_START}(?:${worded.map((b) => b.slice(WORD_START.length)).join('|')})`, ...rest];
}

export function splitByCjk(pattern: RegExp): SplitPattern {
  const branches = topLevelBranches(pattern.source);
  const cjk = branches.filter(branchNeedsCjk);
  const any = factorWordStarts(branches.filter((b) => !branchNeedsCjk(b)));
  const compile = (parts: string[]): RegExp | null => (parts.length === 0 ? null : new RegExp(parts.join('|'), pattern.flags));
  return { any: compile(any), cjk: compile(cjk) };
}
