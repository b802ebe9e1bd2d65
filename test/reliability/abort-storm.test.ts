import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { Agent, request } from 'undici';
import type { StatsBody } from '../../src/routes/stats.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { lastUserContent } from '../support/fake-upstream.js';
import { fastUpstreams, until } from './support.js';

/**
 * Many concurrent requests, streams and not, in single-flight groups, with a share of clients going away at every
 * stage (before the upstream answers, mid-stream, while following a leader, during a cached replay). Afterwards
 * nothing may be left behind: no request in flight, no single-flight group, no upstream deadline, no open socket or
 * timer beyond the keep-alive pools; each request is in the ledger exactly once; a later identical request answers.
 */

interface Outcome {
  kind: 'done' | 'aborted' | 'failed';
}


describe('an abort storm', () => {
  let gw: TestGateway;
  let agent: Agent;
  beforeAll(async () => {
    gw = await startGateway((f) => ({ upstreams: fastUpstreams(f), limits: { maxInFlight: 0, maxInFlightPerTenant: 0 } }));
    // Slow enough that clients can leave at every stage: 20 ms before the headers, then 12 chunks 4 ms apart.
    const answer = (body: Record<string, unknown>) => ({ kind: 'answer' as const, delayMs: 20, chunkDelayMs: 4, answer: { content: `answer to ${lastUserContent(body)} `.padEnd(48, '.') } });
    gw.direct.scenario = answer;
    gw.reasoning.scenario = answer;
    agent = new Agent({ connections: 64 });
  });
  afterAll(async () => {
    await gw.close();
    await agent.close();
  });

  /** One request; the client leaves after `abortAfterMs` when given (before the answer, mid-stream or mid-replay). */
  async function one(prompt: string, stream: boolean, abortAfterMs: number | null, api: 'chat' | 'responses' = 'chat'): Promise<Outcome> {
    const ac = new AbortController();
    const timer = abortAfterMs === null ? null : setTimeout(() => ac.abort(), abortAfterMs);
    try {
      const body = api === 'chat'
        ? { model: 'thinkgate-direct', temperature: 0, stream, messages: [{ role: 'user', content: prompt }] }
        : { model: 'thinkgate-direct', temperature: 0, stream, input: prompt };
      const res = await request(`${gw.url}/v1/${api === 'chat' ? 'chat/completions' : 'responses'}`, {
        method: 'POST',
        dispatcher: agent,
        signal: ac.signal,
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client' },
        body: JSON.stringify(body),
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) return { kind: 'failed' };
      const end = api === 'chat' ? 'data: [DONE]' : 'event: response.completed';
      if (stream ? !text.includes(end) : !text.includes(`answer to ${prompt}`)) return { kind: 'failed' };
      return { kind: 'done' };
    } catch {
      return { kind: ac.signal.aborted ? 'aborted' : 'failed' };
    } finally {
      if (timer !== null) clearTimeout(timer);
    }
  }

  /** A round: `groups` prompts, each asked `perGroup` times at once, a third of them abandoned at 0–80 ms. */
  async function round(tag: string, groups: number, perGroup: number): Promise<Outcome[]> {
    const jobs: Promise<Outcome>[] = [];
    let i = 0;
    for (let g = 0; g < groups; g++) {
      for (let k = 0; k < perGroup; k++, i++) {
        const abortAfter = i % 3 === 0 ? (i * 7) % 80 : null;
        // A quarter of the groups speak the Responses API (stored responses, its own stream encoder).
        jobs.push(one(`${tag} question ${g}`, i % 2 === 0, abortAfter, g % 4 === 3 ? 'responses' : 'chat'));
      }
    }
    return Promise.all(jobs);
  }

  const stats = async (): Promise<StatsBody> => (await (await fetch(`${gw.url}/v1/stats`)).json()) as StatsBody;

  it('leaves nothing behind and counts every request that arrived exactly once', async () => {
    const ctx = gw.app.thinkgate;
    let arrived = 0;
    gw.app.server.on('request', (req: { url?: string }) => {
      if (req.url === '/v1/chat/completions' || req.url === '/v1/responses') arrived++;
    });
    const settled = async (): Promise<void> => {
      await until(() => ctx.cache.flights.inFlight === 0, 'no single-flight group left');
      await until(() => ctx.upstreams.direct.deadlines.inFlight === 0 && ctx.upstreams.reasoning.deadlines.inFlight === 0, 'no upstream deadline left');
      await until(async () => /^thinkgate_requests_in_flight 0$/m.test(await (await fetch(`${gw.url}/metrics`)).text()), 'the in-flight gauge back to 0');
    };
    const gc = collectGarbage();
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown): void => {
      unhandled.push(err);
    };
    process.on('unhandledRejection', onUnhandled);
    const resources: Record<string, number>[] = [];
    const heaps: number[] = [];
    for (let r = 0; r < 5; r++) {
      const outcomes = await round(`round ${r}`, 25, 12);
      expect(outcomes.filter((o) => o.kind === 'failed')).toEqual([]);
      expect(outcomes.filter((o) => o.kind === 'aborted').length).toBeGreaterThan(0);
      await settled();
      // Every group answers a later identical request (from the cache, or upstream: no group is stuck).
      const again = await Promise.all(Array.from({ length: 25 }, (_, g) => one(`round ${r} question ${g}`, g % 2 === 0, null, g % 4 === 3 ? 'responses' : 'chat')));
      expect(again.every((o) => o.kind === 'done')).toBe(true);
      await settled();
      resources.push(countBy(process.getActiveResourcesInfo()));
      gc();
      heaps.push(process.memoryUsage().heapUsed);
    }
    // Sockets come and go with keep-alive; what a leak would add is one per request (hundreds a round).
    for (const now of resources.slice(1)) {
      expect(now.TCPSocketWrap ?? 0).toBeLessThanOrEqual((resources[0]!.TCPSocketWrap ?? 0) + 16);
      expect(now.Timeout ?? 0).toBeLessThanOrEqual((resources[0]!.Timeout ?? 0) + 4);
    }
    // The heap after a round stays where the second round left it (the first fills the caches and pools).
    expect(Math.max(...heaps.slice(2)) - heaps[1]!).toBeLessThan(8 * 1024 * 1024);
    // Each request that reached the gateway is in the ledger once (a client aborting before sending is not one).
    await until(async () => (await stats()).totals.requests === arrived, `the ledger to count ${arrived} requests`);
    const s = await stats();
    // /metrics counts the same requests, by status: the 499s are the ledger's aborts.
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const byStatus = new Map<string, number>();
    for (const m of metrics.matchAll(/^thinkgate_requests_total\{([^}]*)\} (\d+)$/gm)) {
      const status = /status="(\d+)"/.exec(m[1]!)![1]!;
      byStatus.set(status, (byStatus.get(status) ?? 0) + Number(m[2]));
    }
    expect([...byStatus.values()].reduce((a, b) => a + b, 0)).toBe(arrived);
    expect(byStatus.get('499')).toBe(s.totals.aborted);
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
    expect(s.totals.errors).toBe(0);
    expect(s.totals.aborted).toBeGreaterThan(0);
  }, 60_000);
});

function countBy(names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = (out[n] ?? 0) + 1;
  return out;
}

/** A full collection before a heap reading (no --expose-gc needed). */
function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
