import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/stats.js';
import type { CommandIO } from '../../src/cli/io.js';
import type { StatsBody } from '../../src/routes/stats.js';
import { redisServerBinary } from '../support/redis.js';
import { startFleet, type Fleet, type Replica } from '../support/fleet.js';

/**
 * Accounting across a fleet: traffic spread over two replicas (JSON, streams with and without usage, the
 * Responses API, cache hits, an upstream failure, a refused request) and `/v1/stats`, `thinkgate stats --url`
 * and `/metrics` read on each. Real redis-server, the official `openai` SDK.
 */

const haveRedis = redisServerBinary() !== undefined;
if (!haveRedis) console.warn('fleet stats tests skipped: redis-server is not installed (apt-get install redis-server; CI installs it)');

const stats = async (r: Replica): Promise<StatsBody> => {
  const res = await fetch(`${r.url}/v1/stats`);
  expect(res.status).toBe(200);
  return (await res.json()) as StatsBody;
};

/** A stream whose upstream sends no usage chunk: the gateway counts the tokens itself (estimated). */
const noUsageStream = [
  JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'fake-chat', choices: [{ index: 0, delta: { role: 'assistant', content: 'an answer without usage' }, finish_reason: null }] }),
  JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'fake-chat', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
  '[DONE]',
];

async function cli(url: string): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const io = { stdin: new PassThrough(), stdout, stderr: new PassThrough() } as unknown as CommandIO;
  const code = await run(['--url', url], io, {});
  return { code, out };
}

/** Samples of one metric family in a Prometheus text exposition, after checking every line's syntax. */
function samples(text: string, name: string): { labels: string; value: number }[] {
  const out: { labels: string; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    // The text format (version 0.0.4): comments, HELP/TYPE lines, or `name{label="value",…} number`.
    expect(line, 'a line of the exposition').toMatch(/^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*|#.*|[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf))$/);
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (m !== null && m[1] === name) out.push({ labels: m[2] ?? '', value: Number(m[3]) });
  }
  return out;
}

describe.skipIf(!haveRedis)('/v1/stats, thinkgate stats and /metrics across two replicas', () => {
  let fleet: Fleet;
  let a: Replica;
  let b: Replica;
  beforeAll(async () => {
    fleet = await startFleet(2, () => ({ pricing: { 'fake-chat': { input: 1, output: 2 }, 'fake-reasoner': { input: 4, output: 8 } } }));
    [a, b] = fleet.replicas as [Replica, Replica];
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it('every replica shows the fleet\'s totals: nothing counted twice, nothing missing, its own requests at once', async () => {
    const served = { A: 0, B: 0 };
    const on = (r: Replica): Replica => {
      served[r.name as 'A' | 'B']++;
      return r;
    };
    for (const r of [a, b, a, b]) await on(r).client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: `plain ${r.name}` }] });
    for (const r of [b, a]) {
      for await (const c of await on(r).client().chat.completions.create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: `stream ${r.name}` }], stream: true })) void c;
    }
    await on(a).client().responses.create({ model: 'thinkgate-direct', input: 'a response' });
    // Cached on A, a hit on B.
    const cached = { model: 'thinkgate-direct', temperature: 0, messages: [{ role: 'user' as const, content: 'cached once' }] };
    await on(a).client().chat.completions.create(cached);
    expect((await on(b).client().chat.completions.create(cached).withResponse()).response.headers.get('x-thinkgate-cache')).toBe('hit');
    // An upstream failure (direct has no fallback) and a request refused before routing.
    const answer = fleet.direct.scenario;
    fleet.direct.scenario = () => ({ kind: 'status', status: 500, body: { error: { message: 'broken', type: 'server_error' } } });
    await expect(on(b).client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'fails' }] })).rejects.toMatchObject({ status: 500 });
    fleet.direct.scenario = answer;
    await expect(a.client().chat.completions.create({ model: 'thinkgate-direct', messages: [] })).rejects.toMatchObject({ status: 400 });
    // Streams whose upstream sends no usage, on A: counted once their tokens are (the first loads the tokenizer).
    fleet.direct.scenario = () => ({ kind: 'sse', events: noUsageStream });
    for (let i = 0; i < 3; i++) {
      for await (const c of await on(a).client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: `no usage ${i}` }], stream: true })) void c;
    }
    fleet.direct.scenario = answer;
    const routed = served.A + served.B;

    // A replica reads its own requests at once, those without usage included.
    const own = await stats(a);
    expect(own.requests).toBe(routed);
    expect(own.totals).toMatchObject({ requests: routed, errors: 1, rejected: 1, cacheHits: 1 });
    // Another replica's writes reach Redis as that replica finishes them.
    const fleetView = await stats(b);
    expect(fleetView.totals).toEqual(own.totals);
    for (const key of ['routes', 'byRoute', 'byTenant', 'byModel', 'byApi'] as const) expect(fleetView[key], key).toEqual(own[key]);
    expect(fleetView.windows['hour']?.totals).toEqual(own.totals);
    expect(fleetView.recent).toEqual(own.recent);
    expect(fleetView.totals.tokens.prompt).toBeGreaterThan(0);
    expect(own.scope).toEqual({ tenant: 'all', store: 'redis', fleet: true });
    // The fleet's totals run from the same moment on every replica.
    expect(fleetView.since).toBe(own.since);

    const [fromA, fromB] = await Promise.all([cli(a.url), cli(b.url)]);
    expect(fromA.code).toBe(0);
    expect(fromA.out).toContain('fleet (redis)');
    expect(fromA.out).toMatch(new RegExp(`^total\\s+${routed}\\s`, 'm'));
    expect(fromB.out).toBe(fromA.out);

    // /metrics stays per replica: each counts the requests it served, and together they make the fleet's.
    for (const r of [a, b]) {
      const res = await fetch(`${r.url}/metrics`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const counted = samples(await res.text(), 'thinkgate_requests_total').reduce((sum, s) => sum + s.value, 0);
      expect(counted, r.name).toBe(served[r.name as 'A' | 'B']);
    }
  });
});
