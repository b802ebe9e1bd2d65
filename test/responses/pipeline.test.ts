import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { lastUserContent } from '../support/fake-upstream.js';
import { assertValidEvent, assertValidResponse } from '../support/responses-schema.js';
import type { RequestRecord } from '../../src/core/record.js';
import { answerEcho, isOpenAIError, post, startFallbackGateway } from '../reliability/support.js';

/** What the pipeline gives every wire API, seen through the Responses API: cache, fallback, failures, bad input. */

type Json = Record<string, unknown>;

/** The SSE frames of a Responses stream: `event:` line + `data:` line; returns the parsed events. */
function events(text: string): Json[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.trim() !== '')
    .map((frame) => {
      const [eventLine, dataLine] = frame.split('\n');
      const event = JSON.parse(dataLine?.slice('data: '.length) ?? '') as Json;
      expect(eventLine).toBe(`event: ${String(event.type)}`);
      return event;
    });
}

describe('Responses API through the pipeline', () => {
  let gw: TestGateway;
  const records: RequestRecord[] = [];
  beforeAll(async () => {
    gw = await startFallbackGateway(records);
  });
  beforeEach(() => {
    gw.reasoning.scenario = answerEcho('reasoning', 'thinking it over');
    gw.direct.scenario = answerEcho('direct');
  });
  afterAll(() => gw.close());

  it('an exact repeat is a cache hit, replayed as JSON and as events; each answer gets its own id and is stored', async () => {
    const body = { model: 'thinkgate-direct', input: 'cache me please', temperature: 0 };
    const first = await post(gw, '/v1/responses', body);
    expect(first.headers.get('x-thinkgate-cache')).toBe('miss');
    const upstreamCalls = gw.direct.chatRequests().length;
    const second = await post(gw, '/v1/responses', body);
    expect(second.headers.get('x-thinkgate-cache')).toBe('hit');
    assertValidResponse(second.json);
    const a = first.json as Json;
    const b = second.json as Json;
    expect(b.id).not.toBe(a.id);
    expect(b.output).toHaveLength(1);
    expect(((b.output as Json[])[0]?.content as Json[])[0]?.text).toBe('direct: cache me please');
    expect(records.at(-1)).toMatchObject({ api: 'responses', cache: 'hit' });

    const streamed = await post(gw, '/v1/responses', { ...body, stream: true });
    expect(streamed.headers.get('x-thinkgate-cache')).toBe('hit');
    const evs = events(streamed.text);
    for (const e of evs) assertValidEvent(e);
    expect(evs.map((e) => e.sequence_number)).toEqual(evs.map((_, i) => i));
    const done = evs.at(-1) as Json;
    expect(done.type).toBe('response.completed');
    const text = evs.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
    expect(text).toBe('direct: cache me please');
    expect(gw.direct.chatRequests().length).toBe(upstreamCalls);
    // A hit's response is stored too: a follow-up can name it.
    // The repeat was prepared once: validation, mapping, the gate and key hashing are remembered by its bytes.
    expect(gw.app.thinkgate.cache.memo?.size).toBeGreaterThan(0);
    // The memo's body parser serves POST /v1/responses only: the same bytes elsewhere are parsed as JSON.
    const counted = await post(gw, '/v1/responses/input_tokens', body);
    expect(counted.json).toMatchObject({ object: 'response.input_tokens' });
    const id = (done.response as Json).id as string;
    const got = await fetch(`${gw.url}/v1/responses/${id}`, { headers: { authorization: 'Bearer sk-client' } });
    expect(got.status).toBe(200);
  });

  it('the SDK .stream() helper resolves finalResponse() on a replayed cache hit', async () => {
    const body = { model: 'thinkgate-reasoning', input: 'replay through the helper', temperature: 0 };
    await gw.client().responses.create(body);
    const stream = gw.client().responses.stream(body);
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('reasoning: replay through the helper');
    expect(final.output.map((i) => i.type)).toEqual(['reasoning', 'message']);
  });

  it('a failing reasoning upstream falls back to direct, headers saying so', async () => {
    gw.reasoning.scenario = () => ({ kind: 'status', status: 500 });
    const res = await post(gw, '/v1/responses', { model: 'thinkgate-reasoning', input: 'fall back' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-thinkgate-fallback')).toBe('true');
    expect(res.headers.get('x-thinkgate-route')).toBe('direct');
    expect((res.json as Json).model).toBe('fake-chat');
    expect(records.at(-1)).toMatchObject({ api: 'responses', fallback: true, route: 'direct' });
  });

  it('a stream cut after it began ends with response.failed (error.code server_error), never response.completed', async () => {
    const base = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'fake-chat' };
    const chunk = (delta: Json): string => JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: null }] });
    gw.direct.scenario = () => ({ kind: 'sse', events: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'partial ans' })], cut: true });
    const res = await post(gw, '/v1/responses', { model: 'thinkgate-direct', input: 'cut me', stream: true });
    expect(res.status).toBe(200);
    const evs = events(res.text);
    for (const e of evs) assertValidEvent(e);
    const last = evs.at(-1) as Json;
    expect(last.type).toBe('response.failed');
    expect(last.response).toMatchObject({ status: 'failed', error: { code: 'server_error' } });
    expect(evs.some((e) => e.type === 'response.completed')).toBe(false);
    expect(evs.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('')).toBe('partial ans');
    // Never cached: the same request goes upstream again.
    gw.direct.scenario = answerEcho('direct');
    const again = await post(gw, '/v1/responses', { model: 'thinkgate-direct', input: 'cut me', stream: true });
    expect(again.headers.get('x-thinkgate-cache')).not.toBe('hit');
  });

  it('the upstream stopping at max_tokens makes an incomplete response (max_output_tokens), mapped from max_output_tokens', async () => {
    gw.direct.scenario = () => ({ kind: 'answer', answer: { content: 'cut sh', finishReason: 'length' } });
    const res = await post(gw, '/v1/responses', { model: 'thinkgate-direct', input: 'long', max_output_tokens: 16, stream: true });
    const evs = events(res.text);
    const last = evs.at(-1) as Json;
    expect(last.type).toBe('response.incomplete');
    expect(last.response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, max_output_tokens: 16 });
    expect((gw.direct.chatRequests().at(-1)?.body as Json).max_tokens).toBe(16);
    // The SDK's stream helper folds an incomplete response too.
    const final = await gw.client().responses.stream({ model: 'thinkgate-direct', input: 'long', max_output_tokens: 16 }).finalResponse();
    expect(final).toMatchObject({ status: 'incomplete', output_text: 'cut sh' });
  });

  it.each([
    [{ model: 'm', input: 42 }, 'input'],
    [{ model: 'm', input: [{ type: 'telepathy', text: 'x' }] }, 'input[0].type'],
    [{ model: 'm', input: [{ role: 'user', content: 7 }] }, 'input[0].content'],
    [{ model: 'm', input: [{ type: 'function_call_output', output: 'x' }] }, 'input[0].call_id'],
    [{ model: 'm', input: 'hi', temperature: 'hot' }, 'temperature'],
    [{ model: 'm', input: 'hi', reasoning: { effort: 'extreme' } }, 'reasoning.effort'],
    [{ model: 'm', input: 'hi', background: true }, 'background'],
    [{ model: 'm', input: 'hi', conversation: 'conv_1' }, 'conversation'],
    [{ model: 'm', input: 'hi', prompt: { id: 'pmpt_1' } }, 'prompt'],
    [{ model: 'm' }, 'input'],
  ])('bad input %j is a 400 naming %s, and never reaches an upstream', async (body, param) => {
    const before = gw.direct.requests.length + gw.reasoning.requests.length;
    const res = await post(gw, '/v1/responses', body);
    expect(res.status).toBe(400);
    expect(isOpenAIError(res.json)).toBe(true);
    expect((res.json as { error: Json }).error.param).toBe(param);
    expect((res.json as { error: { message: string } }).error.message).toContain(param.split('.')[0]?.split('[')[0]);
    expect(gw.direct.requests.length + gw.reasoning.requests.length).toBe(before);
  });

  it('every reasoning.effort the SDK allows is accepted, max included; none routes direct', async () => {
    for (const effort of ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']) {
      const res = await post(gw, '/v1/responses', { input: 'effort check', reasoning: { effort } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-thinkgate-route')).toBe(effort === 'none' || effort === 'minimal' ? 'direct' : 'reasoning');
    }
  });

  it('cancel is refused naming it; input_tokens is counted; compact without a native upstream is a clear 404', async () => {
    const cancel = await post(gw, '/v1/responses/resp_x/cancel', {});
    expect(cancel.status).toBe(400);
    expect((cancel.json as { error: Json }).error.message).toContain('background');
    const count = await post(gw, '/v1/responses/input_tokens', { input: 'How many tokens is this sentence?' });
    expect(count.status).toBe(200);
    expect(count.json).toMatchObject({ object: 'response.input_tokens' });
    expect((count.json as { input_tokens: number }).input_tokens).toBeGreaterThan(5);
    const compact = await post(gw, '/v1/responses/compact', { input: 'x' });
    expect(compact.status).toBe(404);
    expect((compact.json as { error: { message: string } }).error.message).toContain('api: responses');
  });

  it("the previous response's route is context for the gate: a short follow-up to a reasoned answer stays on reasoning", async () => {
    const first = await gw.client().responses.create({ model: 'thinkgate-reasoning', input: 'Name a colour.' });
    const followUp = await post(gw, '/v1/responses', { model: 'auto', previous_response_id: first.id, input: 'go on' });
    expect(followUp.headers.get('x-thinkgate-route')).toBe('reasoning');
    expect(records.at(-1)?.reasons).toContain('followup_after_reasoning');
    // The same follow-up to a direct answer stays direct (another first turn: the same one would be the same
    // session, which up-only keeps on reasoning).
    const direct = await gw.client().responses.create({ model: 'thinkgate-direct', input: 'Name a fruit.' });
    const after = await post(gw, '/v1/responses', { model: 'auto', previous_response_id: direct.id, input: 'go on' });
    expect(after.headers.get('x-thinkgate-route')).toBe('direct');
  });

  it('identical requests in flight at once make one upstream call (single-flight); all get the answer', async () => {
    gw.direct.scenario = (body) => ({ kind: 'answer', answer: { content: `direct: ${lastUserContent(body)}` }, delayMs: 150 });
    const before = gw.direct.chatRequests().length;
    const body = { model: 'thinkgate-direct', input: 'together now', temperature: 0 };
    const answers = await Promise.all([post(gw, '/v1/responses', body), post(gw, '/v1/responses', body), post(gw, '/v1/responses', { ...body, stream: true })]);
    expect(gw.direct.chatRequests().length - before).toBe(1);
    for (const a of answers) expect(a.status).toBe(200);
    expect(events(answers[2]!.text).at(-1)).toMatchObject({ type: 'response.completed' });
  });

  it('a client leaving mid-stream aborts the upstream request; the x-thinkgate-route header routes as for chat', async () => {
    gw.reasoning.scenario = () => ({ kind: 'answer', answer: { content: 'x'.repeat(300), reasoning: 'y'.repeat(300), chunkSize: 2 }, chunkDelayMs: 20 });
    const controller = new AbortController();
    const stream = await gw.client().responses.create(
      { model: 'thinkgate-direct', input: 'long one', stream: true },
      { signal: controller.signal, headers: { 'x-thinkgate-route': 'reasoning' } },
    );
    let received = 0;
    await (async () => {
      for await (const _event of stream) if (++received === 6) controller.abort();
    })().catch(() => undefined);
    expect(received).toBeLessThan(20);
    const upstreamReq = gw.reasoning.chatRequests().at(-1)!;
    await upstreamReq.aborted;
    expect(upstreamReq.wasAborted).toBe(true);
    expect(records.at(-1)).toMatchObject({ api: 'responses', outcome: 'aborted', route: 'reasoning', decisionSource: 'header' });
  });

  it('/v1/stats and /metrics count Responses requests under api "responses", beside chat', async () => {
    await post(gw, '/v1/responses', { model: 'thinkgate-direct', input: 'count me' });
    await gw.client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'and me' }] });
    const stats = (await (await fetch(`${gw.url}/v1/stats`)).json()) as { byApi: Record<string, { requests: number }>; recent: Json[] };
    expect(stats.byApi.responses?.requests).toBeGreaterThan(0);
    expect(stats.byApi.chat?.requests).toBeGreaterThan(0);
    expect(stats.recent.some((r) => r.api === 'responses')).toBe(true);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/thinkgate_requests_total\{route="direct",status="200",cache="(bypass|miss)",api="responses"\} [1-9]/);
    expect(metrics).toMatch(/thinkgate_requests_total\{route="direct",status="200",cache="(bypass|miss)",api="chat"\} [1-9]/);
  });
});

describe('stored responses are scoped by tenant', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(() => ({ auth: { apiKeys: ['sk-tenant-a', 'sk-tenant-b'] } }));
  });
  afterAll(() => gw.close());

  it("another tenant's id is not found (retrieve, input_items, delete, previous_response_id)", async () => {
    const a = gw.client('sk-tenant-a');
    const b = gw.client('sk-tenant-b');
    const created = await a.responses.create({ model: 'thinkgate-direct', input: 'mine' });
    await expect(b.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    await expect(b.responses.inputItems.list(created.id)).rejects.toMatchObject({ status: 404 });
    await expect(b.responses.delete(created.id)).rejects.toMatchObject({ status: 404 });
    await expect(b.responses.create({ model: 'thinkgate-direct', previous_response_id: created.id, input: 'steal' })).rejects.toMatchObject({ status: 404 });
    expect((await a.responses.retrieve(created.id)).id).toBe(created.id);
  });
});
