import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './lib/fleet.js';
import { splitInstructions } from './lib/callgrind-split.js';
import { CHAT_BODY } from './scenarios/requests.js';

/**
 * The gate's footprint, counted: instructions and simulated cache misses per `score()` of the bench's prompt with the
 * caches emptied of the gate's code and data between calls (bench/gate-footprint-loop.ts), under callgrind with
 * this machine's caches (see CACHE_SIM_ARGS in bench/instructions.ts). Deterministic within ~1–3 %, unlike time on a
 * shared machine.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json
 *   node --import tsx bench/gate-footprint.ts [--dist DIR ...] [--thrash-mb 4] [--calls 500]
 *
 * Per build, the loop runs twice (scoring, and the same calls without scoring); the difference per call, request path
 * only (JIT compilation and GC apart, bench/lib/callgrind-split.ts), is the gate's: instructions, L1i misses, L1d
 * misses, L2 misses (code + data).
 */
const { values } = parseArgs({
  options: {
    dist: { type: 'string', multiple: true },
    'thrash-mb': { type: 'string', default: '4' },
    calls: { type: 'string', default: '500' },
  },
});
const CACHE_SIM_ARGS = ['--cache-sim=yes', '--I1=32768,8,64', '--D1=32768,8,64', '--LL=1048576,8,64'];
const messages = JSON.stringify((JSON.parse(CHAT_BODY) as { messages: unknown[] }).messages);

interface Counts {
  instructions: number;
  l1i: number;
  l1d: number;
  l2Code: number;
  l2Data: number;
}

async function run(dist: string, withGate: boolean): Promise<Counts> {
  const dir = mkdtempSync(join(tmpdir(), 'thinkgate-gate-footprint-'));
  const loop = join(ROOT, 'dist', 'bench', 'gate-footprint-loop.js');
  const args = [dist, values['thrash-mb'], values.calls, withGate ? '1' : '0', messages];
  const child = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', ...CACHE_SIM_ARGS, `--vgdb-prefix=${join(dir, 'vgdb')}`, `--callgrind-out-file=${join(dir, 'cg.%p')}`, process.execPath, loop, ...args], {
    stdio: ['pipe', 'pipe', 'ignore'],
    cwd: ROOT,
  });
  let out = '';
  const seen = (word: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!out.includes(word)) return;
        child.stdout.off('data', onData);
        resolve();
      };
      const onData = (chunk: Buffer): void => {
        out += chunk.toString();
        check();
      };
      child.stdout.on('data', onData);
      child.once('exit', (code) => reject(new Error(`gate footprint loop exited (${code}) before printing ${word}`)));
      check();
    });
  const control = (arg: string): void => void execFileSync('callgrind_control', [arg, `--vgdb-prefix=${join(dir, 'vgdb')}`, String(child.pid)], { stdio: 'ignore' });
  await seen('ready');
  control('--zero');
  control('--instr=on');
  const done = seen('done');
  child.stdin.write('go\n');
  await done;
  control('--instr=off');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin.write('exit\n');
  await exited;
  let file = '';
  let most = -1;
  for (const f of readdirSync(dir).filter((name) => name.startsWith('cg.'))) {
    const total = Number(/^totals:\s+(\d+)/m.exec(readFileSync(join(dir, f), 'utf8'))?.[1] ?? -1);
    if (total > most) [most, file] = [total, join(dir, f)];
  }
  const rest = (events: string[]): number => splitInstructions(file, events).rest;
  return { instructions: rest(['Ir']), l1i: rest(['I1mr']), l1d: rest(['D1mr', 'D1mw']), l2Code: rest(['ILmr']), l2Data: rest(['DLmr', 'DLmw']) };
}

for (const dist of values.dist ?? [join(ROOT, 'dist')]) {
  const scoring = await run(dist, true);
  const without = await run(dist, false);
  const perCall = Object.fromEntries(Object.entries(scoring).map(([k, v]) => [k, Math.round((v - without[k as keyof Counts]) / Number(values.calls))]));
  process.stdout.write(`${JSON.stringify({ dist, thrashMb: Number(values['thrash-mb']), calls: Number(values.calls), perCall })}\n`);
}
