import { parseArgs } from 'node:util';
import { startThinkgate, startUpstream } from './lib/fleet.js';
import { pinMeasuredServers, type ServerProcess } from './lib/processes.js';
import { measureLatency } from './scenarios/proxy.js';
import { STREAM_BODY, targetFor } from './scenarios/requests.js';

/**
 * `node --import tsx bench/ttfb-tail.ts [--pin] [--rounds 3] [--ms 3000] --variant NAME='--flag --flag' ...`:
 * streaming time to first byte at 1 connection, direct against thinkgate started with each variant's node flags
 * (interleaved rounds, medians): where the added p99 comes from (GC, timers, writes).
 */
const { values } = parseArgs({
  options: {
    pin: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    ms: { type: 'string', default: '3000' },
    variant: { type: 'string', multiple: true, default: [] },
  },
});
if (values.pin) process.stderr.write(`pinned: ${pinMeasuredServers()}\n`);
const upstream = await startUpstream();
const procs: ServerProcess[] = [];
try {
  const targets: Record<string, ReturnType<typeof targetFor> & { pid?: number }> = { direct: targetFor('direct', upstream.url, upstream.url, STREAM_BODY) };
  for (const spec of values.variant.length > 0 ? values.variant : ['flags=']) {
    const [name, flags = ''] = spec.split('=', 2) as [string, string?];
    const eq = spec.indexOf('=');
    const nodeArgs = (eq === -1 ? flags : spec.slice(eq + 1)).split(' ').filter((f) => f !== '');
    const tg = await startThinkgate({ name: `thinkgate-${name}`, reasoningUrl: upstream.url, directUrl: upstream.url, nodeArgs });
    procs.push(tg);
    targets[name] = { ...targetFor('thinkgate', tg.url, upstream.url, STREAM_BODY), pid: tg.pid };
  }
  const r = await measureLatency(targets, { rounds: Number(values.rounds), durationS: 0, connections: 1, latencyMs: Number(values.ms) });
  for (const [name, m] of Object.entries(r)) {
    process.stdout.write(`${name.padEnd(16)} ttfb p50 ${m.median.ttfbP50Ms.toFixed(3)} p99 ${m.median.ttfbP99Ms.toFixed(3)} ms  rounds p99: ${m.rounds.map((x) => x.ttfbP99Ms.toFixed(2)).join(' ')}  n=${m.median.count}\n`);
  }
} finally {
  await Promise.all(procs.map((p) => p.stop()));
  await upstream.stop();
}
