import { execFileSync } from 'node:child_process';

/**
 * Splits a callgrind profile's instructions into what JIT compilation, garbage collection and everything else (the
 * request path itself: JIT code, builtins, runtime, node, libuv) cost, from `callgrind_annotate`'s self cost per
 * function. Compilation and collection run on V8's own schedule (and threads), so their share of a short window
 * moves from run to run; the rest is the figure a change to the request path moves.
 */

export interface InstructionSplit {
  total: number;
  compile: number;
  gc: number;
  rest: number;
}

const COMPILE = /v8::internal::(compiler|maglev|baseline|interpreter::BytecodeGenerator|Compiler|Zone|wasm)|TurboFan|Pipeline|RegisterAllocator|InstructionSelector|CodeGenerator|v8::internal::(CodeStub|OptimizingCompile)/;
const GC = /Scaveng|Marking|MarkCompact|Sweeper|Sweep|Evacuat|v8::internal::Heap::|heap::base|MemoryAllocator|MinorM|RememberedSet|SlotSet|GlobalHandles|PagedSpace|NewSpace|SemiSpace|ConcurrentMarking|IncrementalMarking|Compaction|LargeObjectSpace|ArrayBufferSweeper|MemoryChunk|BasicMemoryChunk|Page::|FreeList/;

/**
 * `events` (callgrind's names, e.g. `['Ir']` or `['D1mr', 'D1mw']`) are summed per function; a profile recorded with
 * `--cache-sim=yes` holds misses as well as instructions.
 */
export function splitInstructions(file: string, events: readonly string[] = ['Ir']): InstructionSplit {
  const text = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', `--show=${events.join(',')}`, `--sort=${events[0] ?? 'Ir'}`, file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const split: InstructionSplit = { total: 0, compile: 0, gc: 0, rest: 0 };
  for (const line of text.split('\n')) {
    const parsed = parseCostLine(line, events.length);
    if (parsed === null) continue;
    const { n, what } = parsed;
    if (what.startsWith('PROGRAM TOTALS')) {
      split.total = n;
      continue;
    }
    if (COMPILE.test(what)) split.compile += n;
    else if (GC.test(what)) split.gc += n;
    else split.rest += n;
  }
  return split;
}

/** `1,234 ( 0.5%)  .  ???:name`: the sum of a line's `columns` counts (`.` is 0) and the function's name; null for other lines. */
function parseCostLine(line: string, columns: number): { n: number; what: string } | null {
  let rest = line.trimStart();
  let n = 0;
  for (let c = 0; c < columns; c++) {
    const m = /^(?:([\d,]+)(?:\s+\(\s*[\d.]+%\))?|\.)\s+/.exec(rest);
    if (m === null) return null;
    n += m[1] === undefined ? 0 : Number(m[1].replace(/,/g, ''));
    rest = rest.slice(m[0].length);
  }
  return rest.length > 0 ? { n, what: rest } : null;
}
