import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REDACT_PATHS } from '../../src/app.js';
import type { RequestRecord } from '../../src/core/record.js';
import { createLogger } from '../../src/http/logger.js';
import { requestLogObserver } from '../../src/http/request-log.js';
import type { Accounting } from '../../src/savings/accounting.js';

const record = (over: Partial<RequestRecord> = {}): RequestRecord => ({
  requestId: 'req-1',
  tenant: 't_0123456789abcdef',
  api: 'chat',
  route: 'direct',
  decisionSource: 'gate',
  score: 0.123456,
  reasons: ['factual_question', 'short "quoted" \\ prompt'],
  upstreamModel: 'deepseek-chat',
  fallback: false,
  requestedModel: 'auto',
  stream: false,
  cache: 'miss',
  status: 200,
  outcome: 'completed',
  errorCode: null,
  usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
  startedAt: 0,
  ttfbMs: 1.234,
  latencyMs: 5.678,
  ...over,
});

const accounting = (over: Partial<Accounting> = {}): Accounting => ({
  tokens: { prompt: 12, cachedPrompt: 0, completion: 8, reasoning: 0 },
  upstreamTokens: { prompt: 12, cachedPrompt: 0, completion: 8, reasoning: 0 },
  usageEstimated: false,
  priced: true,
  costNano: 1234,
  counterfactual: { promptTokens: 12, completionTokens: 40, reasoningTokens: 30, costNano: 9999, latencyMs: 100, expansionFactor: 5, learned: false },
  savedCostNano: 8765,
  savedTokens: 32,
  savedReasoningTokens: 30,
  savedLatencyMs: 90,
  ...over,
});

const cases: [string, RequestRecord, Accounting, boolean][] = [
  ['plain miss', record(), accounting(), false],
  ['hit, fallback, unpriced, no usage', record({ cache: 'hit', fallback: true, usage: null, ttfbMs: null, errorCode: 'x' }), accounting({ priced: false, counterfactual: null }), false],
  ['prompt logged, unicode', record({ prompt: '证明 √2 是无理数 — "quoted"\n' }), accounting(), true],
  ['a Responses request with dropped tools', record({ api: 'responses', droppedTools: ['web_search', 'mcp'] }), accounting(), false],
  ['a stream whose finish the gateway synthesised', record({ stream: true, finishSynthesised: true }), accounting(), false],
  ['NaN (compiled serializer refuses; pino prints null)', record({ latencyMs: Number.NaN }), accounting(), false],
];

async function linesOf(level: 'info' | 'warn', write: (observe: ReturnType<typeof requestLogObserver>) => void): Promise<Record<string, unknown>[]> {
  const file = join(mkdtempSync(join(tmpdir(), 'tg-log-')), 'out.log');
  const own = createLogger({ level, prompts: false } as Parameters<typeof createLogger>[0], REDACT_PATHS, file);
  for (const fast of [false, true]) write(requestLogObserver(own.logger, true, fast ? own.writeInfoLine : undefined));
  await own.close();
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('request log line', () => {
  it.each(cases)('the compiled path prints what pino prints: %s', async (_name, r, a, logPrompts) => {
    const file = join(mkdtempSync(join(tmpdir(), 'tg-log-')), 'out.log');
    const own = createLogger({ level: 'info', prompts: logPrompts } as Parameters<typeof createLogger>[0], REDACT_PATHS, file);
    requestLogObserver(own.logger, logPrompts)(r, a);
    requestLogObserver(own.logger, logPrompts, own.writeInfoLine)(r, a);
    await own.close();
    const [viaPino, viaCompiled] = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(viaPino).toBeDefined();
    expect(viaCompiled).toBeDefined();
    const { time: t1, ...restPino } = viaPino!;
    const { time: t2, ...restCompiled } = viaCompiled!;
    expect(typeof t1).toBe('number');
    expect(typeof t2).toBe('number');
    expect(restCompiled).toEqual(restPino);
    expect(restCompiled).toMatchObject({ level: 30, pid: process.pid, msg: 'chat request', requestId: 'req-1', api: r.api });
    expect(restCompiled.droppedTools).toEqual(r.droppedTools);
    // Same key order as pino's own framing: level, time, pid, hostname first; msg last.
    const raw = readFileSync(file, 'utf8').trim().split('\n')[1]!;
    expect(raw.startsWith('{"level":30,"time":')).toBe(true);
    expect(raw.endsWith(',"msg":"chat request"}')).toBe(true);
  });

  it('writes nothing when info is off', async () => {
    const lines = await linesOf('warn', (observe) => observe(record(), accounting()));
    expect(lines).toEqual([]);
  });
});
