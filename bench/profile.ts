import { GATEWAY_V8_FLAGS } from '../src/cli/v8-flags.js';
import { readdirSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startAppConstant, startBareFastify, startThinkgate, startUpstream, WORK_DIR } from './lib/fleet.js';
import { throughput } from './lib/load.js';
import { pinMeasuredServers } from './lib/processes.js';
import { CACHEABLE_BODY, CHAT_BODY, STREAM_BODY } from './scenarios/requests.js';

/**
 * `node --import tsx bench/profile.ts [--pin] [--duration 10] [--mode json|stream|both|hit|constant|bare] [--bare-arg=--touch-kb --bare-arg=512]` (hit: identical cacheable requests; constant: the same app's constant route; bare: bare fastify with its flags): runs thinkgate under
 * `node --cpu-prof`, loads it, and prints where its CPU went (self time by function and by package).
 * The .cpuprofile file opens in Chrome DevTools (Performance) or speedscope as a flame graph.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  /** µs timestamps of the recording's start and end. */
  startTime: number;
  endTime: number;
}

const { values } = parseArgs({ options: { pin: { type: 'boolean', default: false }, duration: { type: 'string', default: '10' }, mode: { type: 'string', default: 'both' }, top: { type: 'string', default: '30' }, 'node-arg': { type: 'string', multiple: true }, 'bare-arg': { type: 'string', multiple: true } } });
const dir = join(WORK_DIR, 'profiles');
mkdirSync(dir, { recursive: true });

if (values.pin) process.stderr.write(`pinned: ${pinMeasuredServers()}\n`);
const upstream = await startUpstream();
const gateway = { reasoningUrl: upstream.url, directUrl: upstream.url, nodeArgs: [...GATEWAY_V8_FLAGS, '--cpu-prof', `--cpu-prof-dir=${dir}`, ...(values['node-arg'] ?? [])] };
// constant: the same app answering a constant JSON body on /v1/constant (the cache hit's ceiling).
// bare: the bare fastify route (bench/bare-fastify.ts) with `--bare-arg` flags, loaded like a cache hit.
const tg =
  values.mode === 'constant'
    ? await startAppConstant(gateway)
    : values.mode === 'bare'
      ? await startBareFastify(values['bare-arg'] ?? [], gateway.nodeArgs)
      : await startThinkgate(gateway);
/** Loads `path` with `body` for the run's duration at 32 connections and prints what the load generator saw. */
let requests = 0;
const load = async (label: string, path: string, body: string, headers: Record<string, string>): Promise<void> => {
  const r = await throughput({ url: `${tg.url}${path}`, body, headers, pid: tg.pid }, 32, Number(values.duration));
  requests += Math.round(r.rps * Number(values.duration));
  process.stderr.write(`${label}: ${JSON.stringify(r)}\n`);
};
const noStore = { 'cache-control': 'no-store' };
if (values.mode === 'constant') await load('constant', '/v1/constant', CACHEABLE_BODY, {});
else if (values.mode === 'hit' || values.mode === 'bare') await load('hit', '/v1/chat/completions', CACHEABLE_BODY, {});
else {
  if (values.mode !== 'stream') await load('json', '/v1/chat/completions', CHAT_BODY, noStore);
  if (values.mode !== 'json') await load('stream', '/v1/chat/completions', STREAM_BODY, noStore);
}
await tg.stop();
await upstream.stop();

const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().pop();
if (file === undefined) throw new Error('no profile written');
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
const total = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0;
  if (hits === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const short = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/');
  const key = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
  const pkg = url === '' ? functionName : url.includes('node_modules/') ? (url.split('node_modules/').pop()?.split('/').slice(0, 2).join('/') ?? url) : url.startsWith('node:') ? 'node:' + url.slice(5).split('/')[0] : url.includes('/dist/') ? 'thinkgate dist/' : url;
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + hits);
}
const print = (title: string, m: Map<string, number>): void => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, v] of [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) process.stdout.write(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}\n`);
};
// Inclusive time: each sample counts once for every distinct frame on its stack (what a flame graph's widths show).
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const c of node.children ?? []) parentOf.set(c, node.id);
const nodeById = new Map(profile.nodes.map((n) => [n.id, n]));
const inclusive = new Map<string, number>();
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0;
  if (hits === 0) continue;
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parentOf.get(id)) {
    const n = nodeById.get(id);
    if (n === undefined) break;
    const { functionName, url, lineNumber } = n.callFrame;
    if (url === '' || functionName === '(root)') continue;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${lineNumber + 1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + hits);
  }
}
print('self time by package', byPackage);
print('inclusive time by function', inclusive);
print('self time by function', byFunction);
// In µs per request (sampled time ÷ requests): the kernel's socket send (`writev`) is the one native frame whose
// cost moves with what else the process touches (docs/benchmarks.md, "Pass 8").
const perSample = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
const usPerRequest = (hits: number): string => (requests > 0 ? ((hits * perSample) / requests).toFixed(2) : 'n/a');
const idle = byFunction.get('(idle) :0') ?? 0;
process.stdout.write(`\n~${requests} requests; busy ${usPerRequest(total - idle)} µs per request, of which writev ${usPerRequest(byFunction.get('writev :0') ?? 0)} µs\n`);
process.stdout.write(`\nprofile: ${join(dir, file)}\n`);
