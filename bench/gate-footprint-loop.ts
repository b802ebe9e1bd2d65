import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

/**
 * The loop bench/gate-footprint.ts runs under callgrind (built to dist/bench/gate-footprint-loop.js):
 *
 *   node dist/bench/gate-footprint-loop.js DIST THRASH_MB CALLS WITH_GATE MESSAGES_JSON
 *
 * Scores MESSAGES with DIST's default gate 20,000 times (the JIT settles), prints `ready`, waits for a line on stdin,
 * then makes CALLS calls, each after writing THRASH_MB of other memory (every 64-byte line of it: more than the core's
 * L2, so the gate finds nothing of its own in the caches, as in a server whose other work runs between two prompts),
 * prints `done` and exits on the next line. WITH_GATE 0 makes the same calls without scoring: the difference of the
 * two runs is the gate's.
 */
interface Gate {
  score(input: { messages: unknown[] }): { score: number };
}

const [dist = 'dist', thrashMb = '4', calls = '500', withGate = '1', messagesJson = '[]'] = process.argv.slice(2);
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(join(resolve(dist), file)).href)) as T;
const { createGate } = await load<{ createGate(config: unknown): Gate }>('gate/index.js');
const { parseConfig } = await load<{ parseConfig(raw: unknown): { gate: unknown } }>('config/load.js');
const gate = createGate(parseConfig({}).gate);
const messages = JSON.parse(messagesJson) as unknown[];
const junk = new Float64Array(Number(thrashMb) * 131072);
let sink = 0;
const thrash = (): void => {
  for (let i = 0; i < junk.length; i += 8) junk[i] = (junk[i] ?? 0) + 1;
};
const call = withGate === '1' ? (): void => void (sink += gate.score({ messages }).score) : (): void => void (sink += messages.length);
for (let i = 0; i < 20000; i++) {
  gate.score({ messages });
  call();
}
for (let i = 0; i < 200; i++) {
  thrash();
  call();
}
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
process.stdout.write('ready\n');
await lines.next();
for (let i = 0; i < Number(calls); i++) {
  thrash();
  call();
}
// The sum is printed so that no call can be optimised away.
process.stdout.write(`done ${sink}\n`);
await lines.next();
process.exit(0);
