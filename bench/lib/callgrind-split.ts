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

export function splitInstructions(file: string): InstructionSplit {
  const text = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const split: InstructionSplit = { total: 0, compile: 0, gc: 0, rest: 0 };
  for (const line of text.split('\n')) {
    const m = /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (m === null) continue;
    const n = Number((m[1] as string).replace(/,/g, ''));
    const what = m[2] as string;
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
