import { parseArgs } from 'node:util';
import { startThinkgate, startUpstream } from './lib/fleet.js';
import { pinMeasuredServers, type ServerProcess } from './lib/processes.js';
import { measureLatency } from './scenarios/proxy.js';
import { STREAM_BODY, targetFor } from './scenarios/requests.js';

/**
 * `node --import tsx bench/ttfb-tail.ts [--pin] [--rounds 3] [--ms 3000] --variant NAME='--flag ENV=value' ...`:
 * streaming time to first byte at 1 connection, direct against thinkgate started with each variant's node flags
 * (interleaved rounds, medians): where the added p99 comes from (GC, timers, writes). A variant with no flags runs
 * with the gateway's own (src/cli/v8-flags.ts); words like `LOG_LEVEL=warn` set its environment.
 */
const { values } = parseArgs({
  options: {
    pin: { type: 'boolean', default: false },
    /** With --pin: the gateway on the harness's and upstream's CPU too (no cross-CPU wake-ups). */
    'same-cpu': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
    ms: { type: 'string', default: '3000' },
    /** Untimed warm-up per variant before the rounds, ms (300: the rounds show how the tail settles). */
    warmup: { type: 'string', default: '300' },
    variant: { type: 'string', multiple: true, default: [] },
  },
});
if (values.pin) process.stderr.write(`pinned: ${pinMeasuredServers({ sameCpu: values['same-cpu'] })}\n`);
const upstream = await startUpstream();
const procs: ServerProcess[] = [];
try {
  const targets: Record<string, ReturnType<typeof targetFor> & { pid?: number }> = { direct: targetFor('direct', upstream.url, upstream.url, STREAM_BODY) };
  for (const spec of values.variant.length > 0 ? values.variant : ['flags=']) {
    const [name, flags = ''] = spec.split('=', 2) as [string, string?];
    const eq = spec.indexOf('=');
    const words = (eq === -1 ? flags : spec.slice(eq + 1)).split(' ').filter((f) => f !== '');
    // Words like LOG_LEVEL=warn are the variant's environment; the rest are node flags (none: the gateway's own).
    const env = words.filter((w) => !w.startsWith('-') && w.includes('='));
    const nodeArgs = words.filter((w) => w.startsWith('-'));
    const saved = { ...process.env };
    for (const kv of env) process.env[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
    const tg = await startThinkgate({ name: `thinkgate-${name}`, reasoningUrl: upstream.url, directUrl: upstream.url, ...(nodeArgs.length > 0 ? { nodeArgs } : {}) });
    process.env = saved;
    procs.push(tg);
    targets[name] = { ...targetFor('thinkgate', tg.url, upstream.url, STREAM_BODY), pid: tg.pid };
  }
  const r = await measureLatency(targets, { rounds: Number(values.rounds), durationS: 0, connections: 1, latencyMs: Number(values.ms), latencyWarmupMs: Number(values.warmup) });
  for (const [name, m] of Object.entries(r)) {
    process.stdout.write(`${name.padEnd(16)} ttfb p50 ${m.median.ttfbP50Ms.toFixed(3)} p99 ${m.median.ttfbP99Ms.toFixed(3)} ms  rounds p99: ${m.rounds.map((x) => x.ttfbP99Ms.toFixed(2)).join(' ')}  n=${m.median.count}\n`);
  }
} finally {
  await Promise.all(procs.map((p) => p.stop()));
  await upstream.stop();
}
