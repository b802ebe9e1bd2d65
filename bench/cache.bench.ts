/**
 * Cache benchmark: a cache hit through the whole gateway vs a bare fastify route answering the same JSON (the
 * ceiling on this machine), in the same run, 32 connections; then the memory of a 100k distinct-entry fill
 * (RSS vs cache.maxBytes) in fresh child processes. Writes bench/results/cache.json and prints a summary.
 *
 *   npx tsx bench/cache.bench.ts            # all
 *   npx tsx bench/cache.bench.ts memory N   # (internal) one fill with maxBytes = N
 */
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { buildApp } from '../src/app.js';
import { ResultCache } from '../src/cache/result-cache.js';
import { MemoryStore } from '../src/cache/store.js';
import { parseConfig } from '../src/config/load.js';
import type { ChatCompletion } from '../src/core/types.js';
import { startFakeUpstream } from '../test/support/fake-upstream.js';

const CONNECTIONS = 32;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 8);
const FILL_ENTRIES = 100_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, body: string, headers: Record<string, string> = {}): Promise<LoadResult> {
  const r = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { requestsPerSec: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

function sampleCompletion(i: number, contentChars: number): ChatCompletion {
  return {
    id: `chatcmpl-${i}`,
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'fake-reasoner',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: `Answer ${i}: ${'the quick brown fox jumps over the lazy dog. '.repeat(Math.ceil(contentChars / 45)).slice(0, contentChars)}`,
          reasoning_content: `Reasoning ${i}: ${'consider each case in turn. '.repeat(Math.ceil(contentChars / 27)).slice(0, contentChars)}`,
        },
        finish_reason: 'stop',
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 20, completion_tokens: 200, total_tokens: 220 },
  };
}

/** Child process: fills a cache with 100k distinct answers (~2.9 KB each, ~290 MB offered) and reports RSS. */
async function memoryFill(maxBytes: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const cache = new ResultCache(parseConfig({ cache: { maxBytes } }).cache, new MemoryStore(maxBytes, 3600));
  let peakRss = before;
  for (let i = 0; i < FILL_ENTRIES; i++) {
    await cache.save(`reasoning:${i.toString(16).padStart(64, '0')}`, 'reasoning', sampleCompletion(i, 1200));
    if (i % 10_000 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  gc?.();
  gc?.();
  const after = process.memoryUsage().rss;
  const heapAfter = process.memoryUsage().heapUsed;
  peakRss = Math.max(peakRss, after);
  const stats = cache.stats();
  process.stdout.write(
    JSON.stringify({ maxBytes, entries: stats.entries, accountedBytes: stats.bytes, rssBefore: before, rssAfter: after, rssPeak: peakRss, rssGrowth: after - before, heapGrowth: heapAfter - heapBefore }),
  );
}

async function throughput(): Promise<Record<string, unknown>> {
  const reasoning = await startFakeUpstream({ model: 'fake-reasoner', reasoning: 'Let me think: step one, step two.' });
  const direct = await startFakeUpstream({ model: 'fake-chat' });
  const config = parseConfig({
    server: { port: 0, host: '127.0.0.1' },
    log: { level: 'silent' },
    upstreams: { reasoning: { baseUrl: reasoning.url, model: 'fake-reasoner' }, direct: { baseUrl: direct.url, model: 'fake-chat' } },
  });
  const gateway = await buildApp(config, { logger: false });
  await gateway.listen({ port: 0, host: '127.0.0.1' });
  const gwUrl = `http://127.0.0.1:${(gateway.server.address() as { port: number }).port}/v1/chat/completions`;

  const body = JSON.stringify({ model: 'thinkgate-reasoning', temperature: 0, messages: [{ role: 'user', content: 'What is the capital of France?' }] });
  const warm = await fetch(gwUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const answer = await warm.text();
  const check = await fetch(gwUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (check.headers.get('x-thinkgate-cache') !== 'hit') throw new Error('warm-up did not produce a cache hit');
  await check.text();

  // The ceiling: the same fastify, parsing the same JSON request, answering the same JSON body.
  const bare = Fastify({ logger: false });
  bare.post('/v1/chat/completions', async (_req, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(answer));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/v1/chat/completions`;

  const streamBody = JSON.stringify({ ...JSON.parse(body), stream: true });
  const runs: Record<string, LoadResult[]> = { bare: [], hit: [], streamHit: [] };
  // Alternated rounds, paired: the machine is shared, so each round's ratio compares neighbours in time.
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const b = await load(bareUrl, body);
    const h = await load(gwUrl, body);
    runs.bare!.push(b);
    runs.hit!.push(h);
    ratios.push(h.requestsPerSec / b.requestsPerSec);
  }
  runs.streamHit!.push(await load(gwUrl, streamBody));
  const upstreamCalls = reasoning.chatRequests().length;
  await gateway.close();
  await bare.close();
  await Promise.all([reasoning.close(), direct.close()]);

  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const best = (xs: LoadResult[]): LoadResult => xs.reduce((a, b) => (b.requestsPerSec > a.requestsPerSec ? b : a));
  return {
    connections: CONNECTIONS,
    durationSeconds: DURATION_S,
    rounds: ROUNDS,
    answerBytes: Buffer.byteLength(answer),
    runs,
    hitVsCeilingPerRound: ratios,
    hitVsCeilingMedian: median(ratios),
    hitVsCeilingBest: best(runs.hit!).requestsPerSec / best(runs.bare!).requestsPerSec,
    hitP99MsMedian: median(runs.hit!.map((r) => r.p99Ms)),
    bareP99MsMedian: median(runs.bare!.map((r) => r.p99Ms)),
    upstreamCallsDuringLoad: upstreamCalls - 1,
  };
}

async function main(): Promise<void> {
  if (process.argv[2] === 'memory') return memoryFill(Number(process.argv[3]));
  const tp = await throughput();
  const memory = [64 * 1024 * 1024, 256 * 1024 * 1024].map((maxBytes) =>
    JSON.parse(
      execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', new URL(import.meta.url).pathname, 'memory', String(maxBytes)], { encoding: 'utf8' }),
    ) as Record<string, number>,
  );
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    throughput: tp,
    memory: memory.map((m) => ({ ...m, rssGrowthOverMaxBytes: m.rssGrowth! / m.maxBytes!, rssAfterOverMaxBytes: m.rssAfter! / m.maxBytes! })),
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/cache.json', `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}

await main();
