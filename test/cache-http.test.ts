import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startGateway, type TestGateway } from './support/gateway.js';
import { lastUserContent, type FakeUpstream, type Scenario } from './support/fake-upstream.js';
import { CompletionAssembler } from '../src/core/fold.js';
import type { ChatCompletion, ChatCompletionChunk } from '../src/core/types.js';
import type { RequestRecord } from '../src/core/record.js';

type Params = OpenAI.ChatCompletionCreateParamsNonStreaming;
const ask = (content: string, extra: Partial<Params> = {}): Params => ({
  model: 'thinkgate-direct',
  temperature: 0,
  messages: [{ role: 'user', content }],
  ...extra,
});

async function post(gw: TestGateway, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client', ...headers },
    body: JSON.stringify(body),
  });
}

async function streamed(openai: OpenAI, params: Params): Promise<{ completion: ChatCompletion; chunks: number; cache: string | null }> {
  const { data, response } = await openai.chat.completions
    .create({ ...params, stream: true, stream_options: { include_usage: true } })
    .withResponse();
  const assembler = new CompletionAssembler();
  for await (const chunk of data) assembler.add(chunk as unknown as ChatCompletionChunk);
  return { completion: assembler.result(), chunks: assembler.chunkCount, cache: response.headers.get('x-thinkgate-cache') };
}

const callsFor = (fake: FakeUpstream, content: string): number => fake.chatRequests().filter((r) => lastUserContent(r.body as Record<string, unknown>) === content).length;

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

describe('result cache over HTTP (memory store)', () => {
  let gw: TestGateway;
  let openai: OpenAI;
  /** Per-test answers, keyed by the user message; default: the fake's echo. */
  const scenarios = new Map<string, (n: number) => Scenario>();
  beforeAll(async () => {
    gw = await startGateway();
    openai = gw.client();
    for (const fake of [gw.reasoning, gw.direct]) {
      const fallback = fake.scenario;
      const seen = new Map<string, number>();
      fake.scenario = (body, index) => {
        const content = lastUserContent(body);
        const n = seen.get(content) ?? 0;
        seen.set(content, n + 1);
        return scenarios.get(content)?.(n) ?? fallback(body, index);
      };
    }
  });
  afterAll(async () => {
    // After the aborted-leader test the client's pool holds a connection that never sent a request; Node's server
    // counts it as busy until headersTimeout (60 s), so close() would wait for it.
    const closing = gw.close();
    gw.app.server.closeAllConnections();
    await closing;
  });

  it('misses, then hits without an upstream call; non-deterministic requests bypass', async () => {
    const first = await openai.chat.completions.create(ask('cache me')).withResponse();
    const second = await openai.chat.completions.create(ask('cache me', { user: 'someone-else' })).withResponse();
    expect(first.response.headers.get('x-thinkgate-cache')).toBe('miss');
    expect(second.response.headers.get('x-thinkgate-cache')).toBe('hit');
    expect(second.data).toEqual(first.data);
    expect(callsFor(gw.direct, 'cache me')).toBe(1);

    const hot = ask('warm request', { temperature: 0.8 });
    const a = await openai.chat.completions.create(hot).withResponse();
    await openai.chat.completions.create(hot);
    expect(a.response.headers.get('x-thinkgate-cache')).toBe('bypass');
    expect(callsFor(gw.direct, 'warm request')).toBe(2);
    const seeded = ask('seeded request', { temperature: 0.8, seed: 42 });
    await openai.chat.completions.create(seeded);
    expect((await openai.chat.completions.create(seeded).withResponse()).response.headers.get('x-thinkgate-cache')).toBe('hit');
    const stats = gw.app.thinkgate.cache.stats();
    expect(stats.hits).toBeGreaterThanOrEqual(2);
    expect(stats.misses).toBeGreaterThanOrEqual(2);
    expect(stats.bypasses).toBeGreaterThanOrEqual(2);
  });

  it('replays a streamed hit that assembles to the original stream, field by field (reasoning, tool calls, usage)', async () => {
    const content = 'stream with tools';
    scenarios.set(content, () => ({
      kind: 'answer',
      answer: {
        content: 'Calling two tools now, then I will summarise.',
        reasoning: 'The user wants the weather in two cities; call the tool twice.',
        toolCalls: [
          { id: 'call_a', name: 'weather', arguments: '{"city":"Paris","unit":"celsius"}' },
          { id: 'call_b', name: 'weather', arguments: '{"city":"Rome","unit":"celsius"}' },
        ],
      },
    }));
    const params = ask(content, { model: 'thinkgate-reasoning' });
    const original = await streamed(openai, params);
    const replay = await streamed(openai, params);
    expect(original.cache).toBe('miss');
    expect(replay.cache).toBe('hit');
    expect(callsFor(gw.reasoning, content)).toBe(1);
    expect(replay.chunks).toBeGreaterThan(3);
    const [o, r] = [original.completion, replay.completion];
    expect(r.id).toBe(o.id);
    expect(r.model).toBe(o.model);
    expect(r.usage).toEqual(o.usage);
    expect(r.choices[0]!.finish_reason).toBe('tool_calls');
    expect(r.choices[0]!.message.content).toBe(o.choices[0]!.message.content);
    expect(r.choices[0]!.message.reasoning_content).toBe('The user wants the weather in two cities; call the tool twice.');
    expect(r.choices[0]!.message.reasoning_content).toBe(o.choices[0]!.message.reasoning_content);
    expect(r.choices[0]!.message.tool_calls).toEqual(o.choices[0]!.message.tool_calls);
    expect(r.choices[0]!.message.tool_calls).toHaveLength(2);
    expect(r).toEqual(o);

    // The same entry serves the non-stream form.
    const json = await openai.chat.completions.create(params).withResponse();
    expect(json.response.headers.get('x-thinkgate-cache')).toBe('hit');
    expect(json.data.choices[0]!.message.tool_calls).toEqual(o.choices[0]!.message.tool_calls);
    expect(callsFor(gw.reasoning, content)).toBe(1);
  });

  it('no-store bypasses read and write; no-cache skips the read and refreshes the entry', async () => {
    const content = 'cache control';
    scenarios.set(content, (n) => ({ kind: 'answer', answer: { content: `version ${n}` } }));
    const r1 = await post(gw, ask(content), { 'cache-control': 'no-store' });
    expect(r1.headers.get('x-thinkgate-cache')).toBe('bypass');
    const r2 = await post(gw, ask(content));
    expect(r2.headers.get('x-thinkgate-cache')).toBe('miss');
    expect(((await r2.json()) as ChatCompletion).choices[0]!.message.content).toBe('version 1');
    const r3 = await post(gw, ask(content), { 'cache-control': 'no-cache' });
    expect(r3.headers.get('x-thinkgate-cache')).toBe('miss');
    expect(((await r3.json()) as ChatCompletion).choices[0]!.message.content).toBe('version 2');
    const r4 = await post(gw, ask(content));
    expect(r4.headers.get('x-thinkgate-cache')).toBe('hit');
    expect(((await r4.json()) as ChatCompletion).choices[0]!.message.content).toBe('version 2');
    expect(callsFor(gw.direct, content)).toBe(3);
  });

  it('never caches errors, cut streams or length-cut answers', async () => {
    // A 4xx: 5xx would be retried (and succeed) before the client saw it.
    scenarios.set('fails once', (n) => (n === 0 ? { kind: 'status', status: 400 } : { kind: 'answer', answer: { content: 'ok now' } }));
    expect((await post(gw, ask('fails once'))).status).toBe(400);
    const ok = await post(gw, ask('fails once'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-thinkgate-cache')).toBe('miss');

    const cutEvent = JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'fake-chat', choices: [{ index: 0, delta: { content: 'half an ans' }, finish_reason: null }] });
    scenarios.set('cut stream', (n) => (n === 0 ? { kind: 'sse', events: [cutEvent], cut: true } : { kind: 'answer', answer: { content: 'whole answer' } }));
    const cut = await post(gw, { ...ask('cut stream'), stream: true });
    expect(await cut.text()).toContain('upstream');
    const again = await openai.chat.completions.create(ask('cut stream'));
    expect(again.choices[0]!.message.content).toBe('whole answer');

    scenarios.set('too long', () => ({ kind: 'answer', answer: { content: 'trunc', finishReason: 'length' } }));
    await post(gw, ask('too long'));
    expect((await post(gw, ask('too long'))).headers.get('x-thinkgate-cache')).toBe('miss');
    expect(callsFor(gw.direct, 'too long')).toBe(2);
  });

  it('serves a direct request from the cached reasoning answer, never the reverse', async () => {
    const content = 'cross tier question';
    const reasoned = await openai.chat.completions.create(ask(content, { model: 'thinkgate-reasoning' }));
    const direct = await openai.chat.completions.create(ask(content, { model: 'thinkgate-direct' })).withResponse();
    expect(direct.response.headers.get('x-thinkgate-cache')).toBe('hit');
    expect(direct.response.headers.get('x-thinkgate-cache-tier')).toBe('reasoning');
    expect(direct.data).toEqual(reasoned);
    expect(callsFor(gw.direct, content)).toBe(0);

    const other = 'direct first question';
    await openai.chat.completions.create(ask(other, { model: 'thinkgate-direct' }));
    const up = await openai.chat.completions.create(ask(other, { model: 'thinkgate-reasoning' })).withResponse();
    expect(up.response.headers.get('x-thinkgate-cache')).toBe('miss');
    expect(callsFor(gw.reasoning, other)).toBe(1);
    expect(gw.app.thinkgate.cache.stats().crossTierHits).toBeGreaterThanOrEqual(1);
  });

  it('100 identical concurrent requests (streaming and not) make exactly 1 upstream call', async () => {
    const content = 'thundering herd';
    scenarios.set(content, () => ({ kind: 'answer', delayMs: 300, answer: { content: 'one answer for all', reasoning: 'shared thoughts' } }));
    const params = ask(content, { model: 'thinkgate-reasoning' });
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, i) =>
        i % 2 === 0 ? (await openai.chat.completions.create(params)).choices[0]!.message.content : (await streamed(openai, params)).completion.choices[0]!.message.content,
      ),
    );
    expect(callsFor(gw.reasoning, content)).toBe(1);
    expect(new Set(results)).toEqual(new Set(['one answer for all']));
  });

  it("identical requests the upstream refuses (a 400 to these bytes) share the leader's error: one upstream call, not one per follower", async () => {
    const content = 'refused by the upstream';
    const refusal = { error: { message: "This model's maximum context length is 8 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } };
    scenarios.set(content, () => ({ kind: 'status', status: 400, delayMs: 200, body: refusal }));
    const errors = await Promise.all(Array.from({ length: 8 }, () => openai.chat.completions.create(ask(content)).catch((e: unknown) => e)));
    for (const err of errors) {
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('context_length_exceeded');
    }
    expect(callsFor(gw.direct, content)).toBe(1);
    // Nothing was stored: the next request asks again.
    scenarios.set(content, () => ({ kind: 'answer', answer: { content: 'fits now' } }));
    expect((await openai.chat.completions.create(ask(content))).choices[0]!.message.content).toBe('fits now');
    expect(callsFor(gw.direct, content)).toBe(2);
  });

  it('identical requests whose leader met a 5xx do not share it: a follower asks again', async () => {
    const content = 'upstream hiccup';
    scenarios.set(content, (n) => (n === 0 ? { kind: 'status', status: 500, delayMs: 200 } : { kind: 'answer', delayMs: 50, answer: { content: 'second try' } }));
    const results = await Promise.all(Array.from({ length: 4 }, () => openai.chat.completions.create(ask(content)).then((r) => r.choices[0]!.message.content, (e: unknown) => e)));
    expect(results.filter((r) => r === 'second try').length).toBeGreaterThanOrEqual(3);
  });

  it('when the leader fails mid-stream, a follower goes upstream and the others share its answer', async () => {
    const content = 'leader fails';
    const partial = JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'fake-chat', choices: [{ index: 0, delta: { content: 'par' }, finish_reason: null }] });
    scenarios.set(content, (n) => (n === 0 ? { kind: 'sse', events: [partial, partial], chunkDelayMs: 150, cut: true } : { kind: 'answer', delayMs: 50, answer: { content: 'recovered' } }));
    const leader = post(gw, { ...ask(content), stream: true });
    await until(() => callsFor(gw.direct, content) === 1, 'the leader upstream call');
    const followers = Array.from({ length: 5 }, () => openai.chat.completions.create(ask(content)));
    expect(await (await leader).text()).toContain('error');
    const answers = await Promise.all(followers);
    expect(answers.map((a) => a.choices[0]!.message.content)).toEqual(Array(5).fill('recovered'));
    expect(callsFor(gw.direct, content)).toBe(2);
  });

  it('when the leader client aborts, a follower proceeds upstream', async () => {
    const content = 'leader aborts';
    scenarios.set(content, (n) => (n === 0 ? { kind: 'hang' } : { kind: 'answer', answer: { content: 'after abort' } }));
    const controller = new AbortController();
    const leader = openai.chat.completions.create(ask(content), { signal: controller.signal }).catch((err: unknown) => err);
    await until(() => callsFor(gw.direct, content) === 1, 'the leader upstream call');
    const followers = Array.from({ length: 3 }, () => openai.chat.completions.create(ask(content)));
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    expect(await leader).toBeInstanceOf(Error);
    const answers = await Promise.all(followers);
    expect(answers.map((a) => a.choices[0]!.message.content)).toEqual(Array(3).fill('after abort'));
    expect(callsFor(gw.direct, content)).toBe(2);
    await gw.direct.chatRequests().find((r) => lastUserContent(r.body as Record<string, unknown>) === content)!.aborted;
  });

  it('followers whose clients leave while the leader works are recorded as aborted (499), not as served cache hits', async () => {
    const content = 'followers leave';
    scenarios.set(content, () => ({ kind: 'answer', delayMs: 200, answer: { content: 'for whoever stayed' } }));
    const records: RequestRecord[] = [];
    const observer = (r: RequestRecord): void => {
      if (r.requestId.startsWith('followers-leave-')) records.push(r);
    };
    gw.app.thinkgate.observers.push(observer);
    try {
      const hitsBefore = gw.app.thinkgate.cache.stats().hits;
      const leader = post(gw, ask(content), { 'x-request-id': 'followers-leave-leader' });
      await until(() => callsFor(gw.direct, content) === 1, 'the leader upstream call');
      const leaving = [false, true].map((stream, i) => {
        const controller = new AbortController();
        const res = fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          signal: controller.signal,
          headers: { 'content-type': 'application/json', 'x-request-id': `followers-leave-${i}` },
          body: JSON.stringify({ ...ask(content), stream }),
        }).catch((err: unknown) => err);
        setTimeout(() => controller.abort(), 50);
        return res;
      });
      for (const r of await Promise.all(leaving)) expect(r).toBeInstanceOf(Error);
      expect((await (await leader).json()) as ChatCompletion).toMatchObject({ choices: [{ message: { content: 'for whoever stayed' } }] });
      await until(() => records.length === 3, 'three request records');
      const byId = Object.fromEntries(records.map((r) => [r.requestId, { outcome: r.outcome, status: r.status }]));
      expect(byId).toEqual({
        'followers-leave-leader': { outcome: 'completed', status: 200 },
        'followers-leave-0': { outcome: 'aborted', status: 499 },
        'followers-leave-1': { outcome: 'aborted', status: 499 },
      });
      // Nobody was served from the cache.
      expect(gw.app.thinkgate.cache.stats().hits).toBe(hitsBefore);
    } finally {
      gw.app.thinkgate.observers.splice(gw.app.thinkgate.observers.indexOf(observer), 1);
    }
  });
});

describe('result cache tenancy', () => {
  it('scopes entries by tenant unless shared', async () => {
    for (const share of [false, true]) {
      const gw = await startGateway(() => ({ auth: { apiKeys: ['sk-tenant-a', 'sk-tenant-b'] }, cache: { shareAcrossTenants: share } }));
      try {
        await gw.client('sk-tenant-a').chat.completions.create(ask('tenant question'));
        const b = await gw.client('sk-tenant-b').chat.completions.create(ask('tenant question')).withResponse();
        expect(b.response.headers.get('x-thinkgate-cache')).toBe(share ? 'hit' : 'miss');
        const a = await gw.client('sk-tenant-a').chat.completions.create(ask('tenant question')).withResponse();
        expect(a.response.headers.get('x-thinkgate-cache')).toBe('hit');
        expect(gw.direct.chatRequests()).toHaveLength(share ? 1 : 2);
      } finally {
        await gw.close();
      }
    }
  });

  it('is off with cache.enabled false', async () => {
    const gw = await startGateway(() => ({ cache: { enabled: false } }));
    try {
      await gw.client().chat.completions.create(ask('q'));
      const r = await gw.client().chat.completions.create(ask('q')).withResponse();
      expect(r.response.headers.get('x-thinkgate-cache')).toBe('bypass');
      expect(gw.direct.chatRequests()).toHaveLength(2);
    } finally {
      await gw.close();
    }
  });
});
