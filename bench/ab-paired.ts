import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { logFileOf, ROOT, startThinkgate, startUpstream } from './lib/fleet.js';
import { pinMeasuredServers, type ServerProcess } from './lib/processes.js';
import { measurePaired } from './scenarios/paired.js';
import { CACHEABLE_BODY, CHAT_BODY, STREAM_BODY, targetFor } from './scenarios/requests.js';

/**
 * `node --import tsx bench/ab-paired.ts --before DIST --after DIST [--pin] [--rounds 5] [--duration 5] [--mode json|stream|hit]
 *   [--before-node-arg FLAG ...] [--after-node-arg FLAG ...]`:
 * two builds of thinkgate loaded at the same time, half the connections each, their CPU per request compared round
 * by round (scenarios/paired.ts): the before/after of a change. Both run with the gateway's V8 flags and GC trace.
 */
const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    after: { type: 'string' },
    pin: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64' },
    mode: { type: 'string', default: 'json' },
    label: { type: 'string', default: 'ab' },
    /** V8 flags for one side instead of the gateway's own (GATEWAY_V8_FLAGS): a flag's effect on one build. */
    'before-node-arg': { type: 'string', multiple: true },
    'after-node-arg': { type: 'string', multiple: true },
  },
});
if (values.before === undefined || values.after === undefined) throw new Error('--before DIST and --after DIST are required');
if (values.pin) process.stderr.write(`pinned: ${pinMeasuredServers()}\n`);
const body = values.mode === 'stream' ? STREAM_BODY : values.mode === 'hit' ? CACHEABLE_BODY : CHAT_BODY;
const upstream = await startUpstream();
const procs: ServerProcess[] = [];
try {
  const start = async (name: string, dist: string, nodeArgs: string[] | undefined): Promise<ServerProcess> => {
    const p = await startThinkgate({ name, dist, reasoningUrl: upstream.url, directUrl: upstream.url, traceGc: true, ...(nodeArgs !== undefined ? { nodeArgs } : {}) });
    procs.push(p);
    return p;
  };
  const before = await start('thinkgate-before', values.before, values['before-node-arg']);
  const after = await start('thinkgate-after', values.after, values['after-node-arg']);
  const target = (p: ServerProcess) => ({
    ...targetFor('thinkgate', p.url, upstream.url, body),
    ...(values.mode === 'hit' ? { headers: {} } : {}),
    pid: p.pid,
    gcLog: logFileOf(p.name),
  });
  const settings = { rounds: Number(values.rounds), durationS: Number(values.duration), connections: Number(values.connections), latencyMs: 0, latencyWarmupMs: 0 };
  const [result] = await measurePaired([['before', target(before), 'after', target(after)]], settings);
  const date = new Date().toISOString();
  const file = join(ROOT, 'bench', 'results', `${date.slice(0, 10)}T${date.slice(11, 19).replace(/:/g, '')}Z-${values.label}.json`);
  writeFileSync(file, `${JSON.stringify({ date, command: process.argv.slice(2).join(' '), mode: values.mode, result }, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await Promise.all(procs.map((p) => p.stop()));
  await upstream.stop();
}
