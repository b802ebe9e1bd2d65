import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACT_PATHS } from '../../src/app.js';
import { tenantOf } from '../../src/http/auth.js';
import type { StatsBody } from '../../src/routes/stats.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

/**
 * Every /v1 request gets one log line; aborts and rejections are counted apart from errors. A known mix: two
 * completed chat requests, one upstream failure (500), one client that goes away mid-answer, one bad body (400),
 * one bad key (401), one forwarded request the upstream answers 404, and a /v1/models read.
 */
const KEY = 'sk-accounting';
const ADMIN = 'sk-accounting-admin';
const SECRET_PROMPT = 'my secret prompt text 7f3a';

describe('accounting of aborted and rejected requests, one log line per /v1 request', () => {
  let gw: TestGateway;
  const lines: Record<string, unknown>[] = [];
  let raw = '';

  beforeAll(async () => {
    const sink = new Writable({
      write(buf: Buffer, _enc, done) {
        raw += buf.toString();
        for (const l of buf.toString().split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    const logger = pino({ level: 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
    gw = await startGateway(() => ({ auth: { apiKeys: [KEY], adminKeys: [ADMIN] }, fallback: { reasoningToDirect: false } }), { logger });
    const post = (body: unknown, key = KEY, path = '/v1/chat/completions', headers: Record<string, string> = {}) =>
      fetch(`${gw.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const chat = (content: string, model = 'thinkgate-direct') => ({ model, messages: [{ role: 'user', content }] });

    await (await post(chat('one'), KEY, '/v1/chat/completions', { 'x-request-id': 'ok-1' })).text();
    await (await post(chat('two'))).text();
    gw.reasoning.scenario = () => ({ kind: 'status', status: 500 });
    await (await post(chat('fails', 'thinkgate-reasoning'), KEY, '/v1/chat/completions', { 'x-request-id': 'upstream-500' })).text();
    // A client that goes away while the upstream is still answering.
    gw.direct.scenario = () => ({ kind: 'answer', answer: { content: 'slow answer', chunkSize: 2 }, chunkDelayMs: 100 });
    const abort = new AbortController();
    const pending = post({ ...chat('abort me'), stream: true }, KEY, '/v1/chat/completions', { 'x-request-id': 'aborted-1' });
    const res = await pending;
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    await reader.cancel();
    gw.direct.scenario = () => ({ kind: 'answer', answer: { content: 'forwarded' } });
    await (await post({ model: 'auto', messages: [{ role: 'user', content: SECRET_PROMPT }], temperature: 'hot' }, KEY, '/v1/chat/completions', { 'x-request-id': 'bad-body' })).text();
    await (await post(chat(SECRET_PROMPT), 'sk-wrong', '/v1/chat/completions', { 'x-request-id': 'bad-key' })).text();
    gw.direct.scenario = () => ({ kind: 'status', status: 404 });
    // Any path but the gateway's own is forwarded; the fake answers paths ending in /chat/completions by scenario.
    await (await post({ input: 'x' }, KEY, '/v1/unknown/chat/completions', { 'x-request-id': 'forwarded-404' })).text();
    await (await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}`, 'x-request-id': 'models-1' } })).text();
    await new Promise((r) => setTimeout(r, 400));
  });
  afterAll(() => gw.close());

  const stats = async (): Promise<StatsBody> =>
    (await (await fetch(`${gw.url}/v1/stats`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as StatsBody;

  it('counts aborts and rejections apart from errors in /v1/stats', async () => {
    const s = await stats();
    expect(s.totals).toMatchObject({ requests: 4, errors: 1, aborted: 1, rejected: 2 });
    expect(s.byTenant[tenantOf(KEY)]).toMatchObject({ requests: 4, rejected: 1 });
    expect(s.byTenant.unauthenticated).toMatchObject({ requests: 0, rejected: 1 });
    // Rejected requests have no route or model: they never show up as one.
    expect(Object.keys(s.byRoute).sort()).toEqual(['direct', 'reasoning']);
    expect(s.windows.hour?.totals).toMatchObject({ errors: 1, aborted: 1, rejected: 2 });
  });

  it('writes exactly one line per /v1 request, with no prompt text', () => {
    // The per-request lines ("request failed" error lines are extra diagnostics, not request lines).
    const byId = (id: string) => lines.filter((l) => l.requestId === id && (l.msg === 'request' || l.msg === 'chat request'));
    for (const id of ['ok-1', 'upstream-500', 'aborted-1', 'bad-body', 'bad-key', 'forwarded-404', 'models-1']) expect(byId(id), id).toHaveLength(1);
    expect(byId('ok-1')[0]).toMatchObject({ msg: 'chat request', outcome: 'completed' });
    expect(byId('upstream-500')[0]).toMatchObject({ msg: 'chat request', outcome: 'error' });
    expect(byId('aborted-1')[0]).toMatchObject({ msg: 'chat request', outcome: 'aborted', status: 499 });
    expect(byId('bad-body')[0]).toMatchObject({ msg: 'request', method: 'POST', path: '/v1/chat/completions', status: 400, outcome: 'rejected' });
    expect(byId('bad-key')[0]).toMatchObject({ msg: 'request', status: 401, outcome: 'rejected', tenant: 'unauthenticated' });
    expect(byId('forwarded-404')[0]).toMatchObject({ msg: 'request', path: '/v1/unknown/chat/completions', status: 404, outcome: 'completed', forwarded: true });
    expect(byId('models-1')[0]).toMatchObject({ msg: 'request', path: '/v1/models', status: 200, outcome: 'completed' });
    expect(raw).not.toContain(SECRET_PROMPT);
    expect(raw).not.toContain(KEY);
  });

  it('probes and /metrics get no line', async () => {
    const before = lines.length;
    await (await fetch(`${gw.url}/healthz`)).text();
    await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.slice(before).filter((l) => l.msg === 'request' || l.msg === 'chat request')).toEqual([]);
  });
});
