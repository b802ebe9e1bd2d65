/**
 * 1,000 concurrent streaming requests held open through the proxy (not in CI).
 *   npx tsx bench/hold-streams.ts [concurrency=1000] [chunkDelayMs=400]
 * Fake upstream in this process, gateway in a child (its memory alone is sampled). Every stream must finish with
 * its whole answer and [DONE], no errors; RSS is sampled throughout. Result: bench/results/hold-streams.json.
 */
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { startFakeUpstream } from '../test/support/fake-upstream.js';
import { mb, startGatewayChild } from './lib.js';

const concurrency = Number(process.argv[2] ?? 1000);
const chunkDelayMs = Number(process.argv[3] ?? 400);
const ANSWER = 'The quick brown fox jumps over the lazy dog, twice over.';

const reasoning = await startFakeUpstream({ model: 'fake-reasoner' });
const direct = await startFakeUpstream({ model: 'fake-chat' });
for (const fake of [reasoning, direct]) {
  fake.scenario = () => ({ kind: 'answer', chunkDelayMs, answer: { content: ANSWER, chunkSize: 4 } });
}
const upstream = (url: string, model: string) => ({ baseUrl: url, model, connections: 1024, breaker: { enabled: false } });
const gw = await startGatewayChild({
  log: { level: 'warn' },
  upstreams: { reasoning: upstream(reasoning.url, 'fake-reasoner'), direct: upstream(direct.url, 'fake-chat') },
  limits: { maxInFlight: 0, maxInFlightPerTenant: 0 },
});

const agent = new Agent({ connections: concurrency + 10, pipelining: 1, headersTimeout: 120_000, bodyTimeout: 120_000 });
const baseline = await gw.memory(true);
const samples: { t: number; rss: number; heapUsed: number }[] = [];
const started = Date.now();
let sampling = true;
const sampler = (async () => {
  while (sampling) {
    const m = await gw.memory();
    samples.push({ t: Date.now() - started, rss: m.rss, heapUsed: m.heapUsed });
    await new Promise((r) => setTimeout(r, 250));
  }
})();

let open = 0;
let maxOpen = 0;
const errors: string[] = [];
async function one(i: number): Promise<void> {
  try {
    const res = await request(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'thinkgate-direct', stream: true, messages: [{ role: 'user', content: `stream ${i}` }] }),
    });
    if (res.statusCode !== 200) {
      errors.push(`HTTP ${res.statusCode}: ${(await res.body.text()).slice(0, 200)}`);
      return;
    }
    open++;
    maxOpen = Math.max(maxOpen, open);
    let text = '';
    for await (const chunk of res.body) text += (chunk as Buffer).toString('utf8');
    open--;
    const content = text
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => (JSON.parse(e.slice(6)) as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content ?? '')
      .join('');
    if (!text.includes('data: [DONE]') || content !== ANSWER) errors.push(`stream ${i}: incomplete (${content.length} chars)`);
  } catch (err) {
    errors.push(`stream ${i}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

await Promise.all(Array.from({ length: concurrency }, (_, i) => one(i)));
const elapsedMs = Date.now() - started;
sampling = false;
await sampler;
const after = await gw.memory(true);
const peak = samples.reduce((m, s) => Math.max(m, s.rss), 0);
const result = {
  date: new Date().toISOString(),
  node: process.version,
  concurrency,
  chunkDelayMs,
  streamDurationMs: elapsedMs,
  maxSimultaneouslyOpen: maxOpen,
  errors: errors.length,
  firstErrors: errors.slice(0, 5),
  rssMB: { baseline: mb(baseline.rss), peak: mb(peak), afterGc: mb(after.rss) },
  heapUsedMB: { baseline: mb(baseline.heapUsed), peak: mb(samples.reduce((m, s) => Math.max(m, s.heapUsed), 0)), afterGc: mb(after.heapUsed) },
  rssPerOpenStreamKB: Math.round(((peak - baseline.rss) / Math.max(1, maxOpen)) / 1024),
};
writeFileSync(new URL('./results/hold-streams.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
await gw.stop();
await agent.close();
await Promise.all([reasoning.close(), direct.close()]);
process.exit(errors.length === 0 ? 0 : 1);
