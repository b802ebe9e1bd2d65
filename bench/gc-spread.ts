import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GATEWAY_V8_FLAGS } from '../src/cli/v8-flags.js';
import { ROOT, startUpstream } from './lib/fleet.js';
import { pinMeasuredServers } from './lib/processes.js';
import { measureGcSpread } from './scenarios/gc.js';
import { CHAT_BODY, STREAM_BODY, targetFor } from './scenarios/requests.js';

/**
 * `node --import tsx bench/gc-spread.ts [--pin] [--runs 5] [--connections 64] [--duration 5] [--stream]
 *   [--node-arg=--max-semi-space-size=16 ...] [--v8-defaults] [--label NAME]`: fresh gateways loaded alone, one
 * after another, each run's GC mode read from `--trace-gc-nvp` (see scenarios/gc.ts). Without `--node-arg` the
 * gateway gets the V8 flags it is started with everywhere (src/cli/v8-flags.ts); `--v8-defaults`: none. Writes bench/results/<date>-gc-<label>.json.
 */

const { values } = parseArgs({
  options: {
    pin: { type: 'boolean', default: false },
    runs: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64' },
    duration: { type: 'string', default: '5' },
    stream: { type: 'boolean', default: false },
    'node-arg': { type: 'string', multiple: true },
    /** No V8 flags at all (V8's default young generation), for the before/after. */
    'v8-defaults': { type: 'boolean', default: false },
    label: { type: 'string', default: 'spread' },
  },
});
if (values.pin) process.stderr.write(`pinned: ${pinMeasuredServers()}\n`);
const upstream = await startUpstream();
try {
  const nodeArgs = values['v8-defaults'] ? [] : (values['node-arg'] ?? [...GATEWAY_V8_FLAGS]);
  const body = values.stream ? STREAM_BODY : CHAT_BODY;
  const result = await measureGcSpread(upstream, (tg) => targetFor('thinkgate', tg.url, upstream.url, body), {
    runs: Number(values.runs),
    connections: Number(values.connections),
    durationS: Number(values.duration),
    nodeArgs,
    log: (r, i) => process.stderr.write(`run ${i + 1}: ${JSON.stringify(r)}\n`),
  });
  const date = new Date().toISOString();
  const file = join(ROOT, 'bench', 'results', `${date.slice(0, 10)}-gc-${values.label}.json`);
  writeFileSync(file, `${JSON.stringify({ date, command: process.argv.slice(2).join(' '), stream: values.stream, ...result }, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify({ nodeArgs, cpuSpread: result.cpuSpread, promotingRuns: result.promotingRuns, cpu: result.runs.map((r) => r.cpuUsPerReq), promoted: result.runs.map((r) => r.promotedBytesPerReq), gcUs: result.runs.map((r) => r.gcPauseUsPerReq), alloc: result.runs.map((r) => r.allocatedBytesPerReq) })}\n`);
} finally {
  await upstream.stop();
}
