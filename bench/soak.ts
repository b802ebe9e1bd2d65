/**
 * Soak at steady load (not in CI): a fixed number of client loops, mixed streaming and non-streaming, both tiers,
 * some upstream failures (retried) and fallbacks, for a duration; the gateway's heap is sampled after a forced GC.
 *   npx tsx bench/soak.ts [durationSeconds=600] [concurrency=16]
 * Result: bench/results/soak.json (samples + heap trend in MB/min over the run after warm-up).
 */
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { lastUserContent, startFakeUpstream } from '../test/support/fake-upstream.js';
import { mb, slope, startGatewayChild } from './lib.js';

const durationS = Number(process.argv[2] ?? 600);
const concurrency = Number(process.argv[3] ?? 16);
const SAMPLE_EVERY_MS = 10_000;

const reasoning = await startFakeUpstream({ model: 'fake-reasoner', reasoning: 'thinking it over, step by step' });
const direct = await startFakeUpstream({ model: 'fake-chat' });
// 2% of reasoning calls fail with 503: exercises retries, and occasionally the fallback path.
reasoning.scenario = (body, i) =>
  i % 50 === 7 ? { kind: 'status', status: 503 } : { kind: 'answer', chunkDelayMs: 2, answer: { content: `answer to ${lastUserContent(body)}`, reasoning: 'step 1, step 2' } };
direct.scenario = (body) => ({ kind: 'answer', chunkDelayMs: 1, answer: { content: `answer to ${lastUserContent(body)}` } });
const upstream = (url: string, model: string) => ({ baseUrl: url, model, retry: { baseDelayMs: 5 } });
const gw = await startGatewayChild({
  log: { level: 'warn' },
  upstreams: { reasoning: upstream(reasoning.url, 'fake-reasoner'), direct: upstream(direct.url, 'fake-chat') },
});
const agent = new Agent({ connections: concurrency * 2 });

const started = Date.now();
const deadline = started + durationS * 1000;
let completed = 0;
const errors = new Map<string, number>();
const count = (key: string): void => void errors.set(key, (errors.get(key) ?? 0) + 1);

async function loop(worker: number): Promise<void> {
  for (let i = 0; Date.now() < deadline; i++) {
    const stream = i % 2 === 0;
    const model = (i + worker) % 3 === 0 ? 'thinkgate-reasoning' : 'thinkgate-direct';
    try {
      const res = await request(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: `worker ${worker} request ${i} ${'pad '.repeat(i % 40)}` }] }),
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) count(`HTTP ${res.statusCode} ${/"code":"?([\w-]+)/.exec(text)?.[1] ?? ''} @${Math.round((Date.now() - started) / 10_000) * 10}s`);
      else if (stream && !text.includes('data: [DONE]')) count('stream incomplete');
      else completed++;
    } catch (err) {
      count(err instanceof Error ? err.message : String(err));
    }
  }
}

const samples: { t: number; heapUsedMB: number; rssMB: number; completed: number }[] = [];
const baseline = await gw.memory(true);
samples.push({ t: 0, heapUsedMB: mb(baseline.heapUsed), rssMB: mb(baseline.rss), completed: 0 });
const timer = setInterval(() => {
  void gw.memory(true).then((m) => {
    samples.push({ t: Math.round((Date.now() - started) / 1000), heapUsedMB: mb(m.heapUsed), rssMB: mb(m.rss), completed });
    console.log(`t=${samples.at(-1)!.t}s heap=${samples.at(-1)!.heapUsedMB}MB rss=${samples.at(-1)!.rssMB}MB done=${completed}`);
  });
}, SAMPLE_EVERY_MS);

await Promise.all(Array.from({ length: concurrency }, (_, w) => loop(w)));
clearInterval(timer);
const end = await gw.memory(true);
samples.push({ t: Math.round((Date.now() - started) / 1000), heapUsedMB: mb(end.heapUsed), rssMB: mb(end.rss), completed });

// Trend after a warm-up (JIT, pools, caches fill in the first fifth).
const warm = samples.filter((s) => s.t >= durationS / 5);
const heapSlope = slope(warm.map((s) => ({ x: s.t / 60, y: s.heapUsedMB })));
const rssSlope = slope(warm.map((s) => ({ x: s.t / 60, y: s.rssMB })));
const result = {
  date: new Date().toISOString(),
  node: process.version,
  durationS,
  concurrency,
  completed,
  requestsPerSecond: Math.round(completed / durationS),
  errors: Object.fromEntries(errors),
  heapUsedMB: { baseline: mb(baseline.heapUsed), end: mb(end.heapUsed), min: Math.min(...warm.map((s) => s.heapUsedMB)), max: Math.max(...warm.map((s) => s.heapUsedMB)) },
  rssMB: { baseline: mb(baseline.rss), end: mb(end.rss) },
  heapTrendMBPerMin: Math.round(heapSlope * 1000) / 1000,
  rssTrendMBPerMin: Math.round(rssSlope * 1000) / 1000,
  samples,
};
writeFileSync(new URL(`./results/soak-${durationS}s.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify({ ...result, samples: samples.length }, null, 2));
await gw.stop();
await agent.close();
await Promise.all([reasoning.close(), direct.close()]);
process.exit(0);
