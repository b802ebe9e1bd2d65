import { describe, expect, it } from 'vitest';
import { PreparedMemo, type PreparedRequest } from '../../src/pipeline/prepared.js';
import { startGateway } from '../support/gateway.js';

const prepared = (threshold: number, content = 'q'): PreparedRequest => ({
  validated: { model: 'auto', messages: [{ role: 'user', content }] },
  decision: { route: 'direct', source: 'gate', score: 0.1, reasons: [] },
  threshold,
  cacheKeys: { key: 'direct:k', lookupKeys: ['direct:k'] },
  session: undefined,
});

describe('PreparedMemo (pure)', () => {
  it.each([
    ['short body (the key itself)', 'hi'],
    ['body past V8’s string-hash limit (a SHA-256 digest)', 'x'.repeat(20_000)],
  ])('keys scope, route header and bytes together: %s', (_, content) => {
    const body = `{"model":"auto","messages":[{"role":"user","content":"${content}"}]}`;
    const base = PreparedMemo.keyOf({ api: 'chat', scope: 't_a', routeHeader: '' }, body);
    expect(PreparedMemo.keyOf({ api: 'chat', scope: 't_a', routeHeader: '' }, body)).toBe(base);
    expect(PreparedMemo.keyOf({ api: 'chat', scope: 't_b', routeHeader: '' }, body)).not.toBe(base);
    // The same bytes sent to another wire API are another request (its answer is encoded differently).
    expect(PreparedMemo.keyOf({ api: 'responses', scope: 't_a', routeHeader: '' }, body)).not.toBe(base);
    expect(PreparedMemo.keyOf({ api: 'chat', scope: 't_a', routeHeader: 'reasoning' }, body)).not.toBe(base);
    expect(PreparedMemo.keyOf({ api: 'chat', scope: 't_a', routeHeader: '' }, `${body} `)).not.toBe(base);
    // The separator keeps fields apart: moving a character across the boundary changes the key.
    expect(PreparedMemo.keyOf({ api: 'chat', scope: 't_a\n', routeHeader: '' }, body)).not.toBe(PreparedMemo.keyOf({ api: 'chat', scope: 't_a', routeHeader: '\n' }, body));
  });

  it('holds an entry only while the threshold it was decided at holds', () => {
    const memo = new PreparedMemo(1 << 20);
    memo.set('d', prepared(0.35), 100);
    expect(memo.get('d', 0.35)?.threshold).toBe(0.35);
    expect(memo.get('d', 0.36)).toBeUndefined();
    expect(memo.get('other', 0.35)).toBeUndefined();
  });

  it('stays within its byte bound and refuses an entry larger than a sixteenth of it', () => {
    const memo = new PreparedMemo(64 * 1024);
    for (let i = 0; i < 1000; i++) memo.set(`d${i}`, prepared(0.35, `q${i}`), 500);
    expect(memo.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(memo.size).toBeGreaterThan(10);
    memo.set('huge', prepared(0.35), 64 * 1024);
    expect(memo.get('huge', 0.35)).toBeUndefined();
  });
});

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const proof = { model: 'auto', temperature: 0, messages: [{ role: 'user', content: 'Prove that there are infinitely many primes, step by step.' }] };

describe('prepared-request memo over HTTP', () => {
  it('a repeat hits; the route header and no-store still change what happens', async () => {
    const gw = await startGateway();
    try {
      const first = await post(gw.url, proof);
      expect(first.headers.get('x-thinkgate-cache')).toBe('miss');
      const route = first.headers.get('x-thinkgate-route');
      const again = await post(gw.url, proof);
      expect(again.headers.get('x-thinkgate-cache')).toBe('hit');
      expect(again.headers.get('x-thinkgate-route')).toBe(route);
      expect(await again.json()).toMatchObject({ object: 'chat.completion' });

      // Same bytes, other route header: its own decision and its own entry.
      const other = route === 'reasoning' ? 'direct' : 'reasoning';
      const forced = await post(gw.url, proof, { 'x-thinkgate-route': other });
      expect(forced.headers.get('x-thinkgate-route')).toBe(other);
      expect(forced.headers.get('x-thinkgate-cache')).toBe(other === 'direct' ? 'hit' : 'miss'); // direct may reuse the reasoning answer

      const noStore = await post(gw.url, proof, { 'cache-control': 'no-store' });
      expect(noStore.headers.get('x-thinkgate-cache')).toBe('bypass');
      const upstreamCalls = gw.reasoning.chatRequests().length + gw.direct.chatRequests().length;
      expect(upstreamCalls).toBe(other === 'reasoning' ? 3 : 2);
    } finally {
      await gw.close();
    }
  });

  it('re-decides a remembered request once the gate threshold moves (reasoning budget spent)', async () => {
    // With the default session policy (up-only): a one-turn request starts its session afresh, so it follows the threshold.
    const gw = await startGateway(() => ({ gate: { reasoningBudget: { reasoningTokensPerHour: 10, softStart: 0, maxThreshold: 1 } } }));
    try {
      const first = await post(gw.url, proof);
      expect(first.headers.get('x-thinkgate-route')).toBe('reasoning');
      await first.json();
      // The reasoning call spent the hour's budget: the threshold is now 1, and the gate sends the same bytes direct.
      const threshold = (): Promise<number> =>
        fetch(`${gw.url}/v1/stats`).then(async (r) => ((await r.json()) as { gate: { controller: { effectiveThreshold: number } } }).gate.controller.effectiveThreshold);
      for (let i = 0; i < 50 && (await threshold()) < 1; i++) await new Promise((r) => setTimeout(r, 10));
      const second = await post(gw.url, proof);
      expect(second.headers.get('x-thinkgate-route')).toBe('direct');
      // Served by the cached reasoning answer (cross-tier), never a reasoning call of its own.
      expect(second.headers.get('x-thinkgate-cache')).toBe('hit');
      expect(second.headers.get('x-thinkgate-cache-tier')).toBe('reasoning');
      expect(gw.reasoning.chatRequests()).toHaveLength(1);
    } finally {
      await gw.close();
    }
  });

  it('parses as fastify does: charset parameter, prototype poisoning, empty body', async () => {
    const gw = await startGateway();
    try {
      const ct = { 'content-type': 'application/json; charset=utf-8' };
      await (await post(gw.url, proof, ct)).json();
      expect((await post(gw.url, proof, ct)).headers.get('x-thinkgate-cache')).toBe('hit');
      const poisoned = await post(gw.url, '{"__proto__":{"admin":true},"model":"auto","temperature":0,"messages":[{"role":"user","content":"x"}]}');
      expect(poisoned.status).toBe(400);
      expect(((await poisoned.json()) as { error: { message: string } }).error.message).toBeTruthy();
      const empty = await post(gw.url, '');
      expect(empty.status).toBe(400);
      expect((await empty.json()) as object).toHaveProperty('error.type', 'invalid_request_error');
    } finally {
      await gw.close();
    }
  });

  it('remembers only requests the cache could hold, and says so on /metrics', async () => {
    const memoEntries = async (url: string): Promise<number> => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('thinkgate_cache_memo_entries '));
      return Number(line?.split(' ')[1]);
    };
    const sampled = { model: 'auto', messages: [{ role: 'user', content: 'Write a haiku about autumn.' }] };
    const gw = await startGateway();
    try {
      for (let i = 0; i < 2; i++) await (await post(gw.url, sampled)).json();
      await (await post(gw.url, { ...sampled, temperature: 0.7 })).json();
      await (await post(gw.url, proof, { 'cache-control': 'no-store' })).json();
      // Not deterministic (no temperature, 0.7) or no-store: nothing to remember.
      expect(await memoEntries(gw.url)).toBe(0);
      // The memory store has no Redis: no "redis up" series at all (an unset gauge would read 0, i.e. "down").
      expect(await (await fetch(`${gw.url}/metrics`)).text()).not.toMatch(/^thinkgate_cache_redis_up/m);
      await (await post(gw.url, proof)).json();
      await (await post(gw.url, { ...sampled, seed: 7 })).json();
      expect(await memoEntries(gw.url)).toBe(2);
    } finally {
      await gw.close();
    }
    const all = await startGateway(() => ({ cache: { mode: 'all' } }));
    try {
      await (await post(all.url, sampled)).json();
      expect(await memoEntries(all.url)).toBe(1);
      expect((await post(all.url, sampled)).headers.get('x-thinkgate-cache')).toBe('hit');
    } finally {
      await all.close();
    }
  });

  it('never remembers an invalid body, and works the same with the memo off', async () => {
    for (const memoMaxBytes of [8 * 1024 * 1024, 0]) {
      const gw = await startGateway(() => ({ cache: { memoMaxBytes } }));
      try {
        const bad = '{"model":"auto","temperature":0,"messages":[{"role":"user"}]}';
        for (let i = 0; i < 2; i++) {
          const r = await post(gw.url, bad);
          expect(r.status).toBe(400);
          expect(((await r.json()) as { error: { param: string } }).error.param).toMatch(/^messages/);
        }
        await (await post(gw.url, proof)).json();
        expect((await post(gw.url, proof)).headers.get('x-thinkgate-cache')).toBe('hit');
      } finally {
        await gw.close();
      }
    }
  });
});
