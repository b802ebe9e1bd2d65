/**
 * Cost of the savings observer per finished request (accounting + expansion + ledger + metrics), memory store,
 * on this machine. Run: npx tsx bench/savings-observer.ts — writes bench/results/savings-observer.json.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { pino } from 'pino';
import type { RequestRecord } from '../src/core/record.js';
import { parseConfig } from '../src/config/load.js';
import { createSavings } from '../src/savings/index.js';

const N = 200_000;
const savings = createSavings(parseConfig({}), 'deepseek-reasoner', pino({ level: 'silent' }));
const observe = savings.observer();
const records: RequestRecord[] = Array.from({ length: 1000 }, (_, i) => ({
  requestId: `r${i}`, tenant: `t_${i % 7}`, api: 'chat', route: i % 3 === 0 ? 'reasoning' : 'direct', decisionSource: 'gate', score: (i % 100) / 100,
  reasons: ['length'], upstreamModel: i % 3 === 0 ? 'deepseek-reasoner' : 'deepseek-chat', requestedModel: 'auto', stream: i % 2 === 0,
  cache: i % 10 === 0 ? 'hit' : 'miss', status: 200, outcome: 'completed', errorCode: null,
  usage: { prompt_tokens: 50 + i, completion_tokens: 200, total_tokens: 250 + i, completion_tokens_details: { reasoning_tokens: i % 3 === 0 ? 150 : 0 } },
  startedAt: 0, ttfbMs: 100, latencyMs: 500 + i, fallback: false,
}));
for (let i = 0; i < 10_000; i++) observe(records[i % 1000] as RequestRecord);
const t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) observe(records[i % 1000] as RequestRecord);
await savings.ledger.flush();
const ns = Number(process.hrtime.bigint() - t0);
const t1 = process.hrtime.bigint();
const snap = await savings.ledger.snapshot();
const snapshotMs = Number(process.hrtime.bigint() - t1) / 1e6;
const result = {
  date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model ?? 'unknown', records: N,
  microsecondsPerRecord: Number((ns / N / 1000).toFixed(2)), snapshotMs: Number(snapshotMs.toFixed(2)),
  check: { requests: snap.cumulative.totals.requests },
};
writeFileSync('bench/results/savings-observer.json', `${JSON.stringify(result, null, 2)}\n`);
console.log(result);
await savings.close();
