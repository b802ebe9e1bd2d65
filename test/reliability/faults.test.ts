import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { lastUserContent, sleep, streamEvents } from '../support/fake-upstream.js';
import { assertHealthy, chatBody, fastUpstreams, isOpenAIError, post, sseEvents } from './support.js';

/**
 * Each upstream fault, its client-visible outcome, and that the proxy stays healthy afterwards. The direct tier
 * is used because it has no fallback by default: the client sees the fault itself. Breakers are off here
 * (they would open during this suite); they have their own tests.
 */
describe('upstream faults', () => {
  let gw: TestGateway;
  const timeouts = { connectMs: 500, firstByteMs: 400, idleMs: 400, totalMs: 1_500 };
  beforeAll(async () => {
    gw = await startGateway((f) => ({
      upstreams: fastUpstreams(f, {
        reasoning: { timeouts, breaker: { enabled: false } },
        direct: { timeouts, breaker: { enabled: false } },
      }),
    }));
  });
  afterEach(async () => {
    await assertHealthy(gw);
  });
  afterAll(() => gw.close());

  const direct = (content = 'hi', stream = false): Record<string, unknown> => chatBody('thinkgate-direct', content, stream);

  it('hang: 504 upstream_timeout after the first-byte timeout, the upstream call is aborted, no retry', async () => {
    gw.direct.scenario = () => ({ kind: 'hang' });
    const before = gw.direct.chatRequests().length;
    const res = await post(gw, '/v1/chat/completions', direct());
    expect(res.status).toBe(504);
    expect(isOpenAIError(res.json)).toBe(true);
    expect((res.json as { error: { code: string } }).error.code).toBe('upstream_timeout');
    const calls = gw.direct.chatRequests().slice(before);
    expect(calls).toHaveLength(1);
    await calls[0]!.aborted;
    expect(calls[0]!.wasAborted).toBe(true);
  });

  it('slow first byte within the timeout: served normally', async () => {
    gw.direct.scenario = (body) => ({ kind: 'answer', delayMs: 150, answer: { content: `late ${lastUserContent(body)}` } });
    const res = await gw.client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'x' }] });
    expect(res.choices[0]!.message.content).toBe('late x');
  });

  it('slow first byte past the timeout on a stream: a JSON 504, not a broken stream (no byte was sent yet)', async () => {
    gw.direct.scenario = (body) => ({ kind: 'answer', delayMs: 1_000, answer: { content: lastUserContent(body) } });
    const res = await post(gw, '/v1/chat/completions', direct('slow', true));
    expect(res.status).toBe(504);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(isOpenAIError(res.json)).toBe(true);
  });

  it('cut stream: 200, the chunks sent so far, then a final SSE error event and a clean end', async () => {
    const events = streamEvents({ content: 'partial answer that never ends' }, 'fake-chat', false).slice(0, 4);
    gw.direct.scenario = () => ({ kind: 'sse', events, cut: true, chunkDelayMs: 20 });
    const before = gw.direct.chatRequests().length;
    const res = await post(gw, '/v1/chat/completions', direct('cut', true));
    expect(res.status).toBe(200);
    // Bytes had reached the client: never retried, never a second answer spliced into the first.
    expect(gw.direct.chatRequests().length - before).toBe(1);
    const out = sseEvents(res.text);
    expect(out.length).toBeGreaterThan(1);
    const last = JSON.parse(out.at(-1)!) as { error: { code: string; message: string } };
    expect(isOpenAIError(last)).toBe(true);
    // It had answered: the error says the connection closed mid-answer, not that the upstream is unreachable.
    expect(last.error).toMatchObject({ code: 'upstream_stream_cut', message: 'direct upstream closed the connection before the answer was complete' });
    expect(out).not.toContain('[DONE]');
  });

  it('a connection closed before any answer: retried, then 502 upstream_connection_closed (not "unreachable")', async () => {
    const before = gw.direct.chatRequests().length;
    gw.direct.scenario = () => ({ kind: 'dialect', json: {}, sse: [], cut: true, beforeHeaders: true });
    const res = await post(gw, '/v1/chat/completions', direct('closed'));
    expect(res.status).toBe(502);
    expect((res.json as { error: unknown }).error).toMatchObject({ code: 'upstream_connection_closed', message: 'direct upstream closed the connection before answering' });
    expect(gw.direct.chatRequests().length - before).toBeGreaterThan(1);
  });

  it('a reset in the middle of a JSON answer: 502 upstream_response_cut, not unreachable nor malformed', async () => {
    gw.direct.scenario = () => ({ kind: 'dialect', json: { id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'y'.repeat(2_000) } }] }, sse: [], cut: true });
    const res = await post(gw, '/v1/chat/completions', direct('reset'));
    expect(res.status).toBe(502);
    expect((res.json as { error: unknown }).error).toMatchObject({ code: 'upstream_response_cut', message: 'direct upstream closed the connection before the answer was complete' });
  });

  it('cut stream through the SDK: the SDK raises an error instead of returning a truncated answer', async () => {
    const events = streamEvents({ content: 'partial answer' }, 'fake-chat', false).slice(0, 3);
    gw.direct.scenario = () => ({ kind: 'sse', events, cut: true, chunkDelayMs: 20 });
    const stream = await gw.client().chat.completions.create({ model: 'thinkgate-direct', stream: true, messages: [{ role: 'user', content: 'cut' }] });
    await expect(async () => {
      for await (const chunk of stream) void chunk;
    }).rejects.toThrow();
  });

  it('stall mid-stream past the idle timeout: error event upstream_timeout, then end', async () => {
    const events = streamEvents({ content: 'abcdefgh' }, 'fake-chat', false);
    // Two events, then silence longer than idleMs (the fake sleeps after each write).
    gw.direct.scenario = () => ({ kind: 'sse', events: [...events.slice(0, 2)], chunkDelayMs: 2_000 });
    const res = await post(gw, '/v1/chat/completions', direct('idle', true));
    expect(res.status).toBe(200);
    const last = JSON.parse(sseEvents(res.text).at(-1)!) as { error: { code: string } };
    expect(last.error.code).toBe('upstream_timeout');
  });

  it('an upstream that keeps the response open after [DONE] (silent, or pinging) gets its connection back soon, not never', async () => {
    const events = streamEvents({ content: 'all there' }, 'fake-chat', false);
    for (const holdOpen of [{}, { pingMs: 50 }]) {
      gw.direct.scenario = () => ({ kind: 'sse', events, holdOpen });
      const before = gw.direct.chatRequests().length;
      const answers = await Promise.all([1, 2, 3].map((i) => post(gw, '/v1/chat/completions', direct(`held open ${i}`, true))));
      // The client is not kept waiting for the rest: its answer ends with [DONE] at once.
      for (const res of answers) expect(sseEvents(res.text).at(-1)).toBe('[DONE]');
      const held = gw.direct.chatRequests().slice(before);
      // The gateway lets go of each upstream response well before the idle timeout (400 ms here), and a pinging
      // one (never idle) is let go of too: a held response keeps its pooled connection busy for as long as it lasts.
      const released = await Promise.race([Promise.all(held.map((r) => r.aborted)).then(() => true), sleep(2_000).then(() => false)]);
      expect(released).toBe(true);
      for (let i = 0; i < 100 && gw.app.thinkgate.upstreams.direct.pool.stats.running > 0; i++) await sleep(10);
      expect(gw.app.thinkgate.upstreams.direct.pool.stats.running).toBe(0);
    }
  });

  it('total timeout during a slow but steady stream: final error event, then end', async () => {
    const events = streamEvents({ content: 'x'.repeat(60), chunkSize: 2 }, 'fake-chat', false);
    gw.direct.scenario = () => ({ kind: 'sse', events, chunkDelayMs: 100 });
    const res = await post(gw, '/v1/chat/completions', direct('total', true));
    expect(res.status).toBe(200);
    const last = JSON.parse(sseEvents(res.text).at(-1)!) as { error: { code: string; message: string } };
    expect(last.error.code).toBe('upstream_timeout');
    expect(last.error.message).toContain('1500 ms');
  });

  it('429 storm: bounded attempts, then the 429 with its Retry-After reaches the client', async () => {
    gw.direct.scenario = () => ({ kind: 'status', status: 429, headers: { 'retry-after': '0' }, body: { error: { message: 'slow down', type: 'rate_limit_error', code: 'rate_limited' } } });
    const before = gw.direct.chatRequests().length;
    const res = await post(gw, '/v1/chat/completions', direct());
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('0');
    expect((res.json as { error: { message: string } }).error.message).toContain('slow down');
    expect(gw.direct.chatRequests().length - before).toBe(3);
  });

  it('a 429 then success: retried transparently', async () => {
    const first = gw.direct.chatRequests().length;
    gw.direct.scenario = (body, i) =>
      i === first ? { kind: 'status', status: 429, headers: { 'retry-after': '0' } } : { kind: 'answer', answer: { content: `retried ${lastUserContent(body)}` } };
    const res = await gw.client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'r' }] });
    expect(res.choices[0]!.message.content).toBe('retried r');
  });

  it('500s: retried up to maxAttempts, then the upstream error in OpenAI shape', async () => {
    gw.direct.scenario = () => ({ kind: 'status', status: 500 });
    const before = gw.direct.chatRequests().length;
    const res = await post(gw, '/v1/chat/completions', direct());
    expect(res.status).toBe(500);
    expect(isOpenAIError(res.json)).toBe(true);
    expect(gw.direct.chatRequests().length - before).toBe(3);
  });

  it('a 503 then a stream: the client sees one clean stream, nothing duplicated', async () => {
    const first = gw.direct.chatRequests().length;
    gw.direct.scenario = (body, i) => (i === first ? { kind: 'status', status: 503 } : { kind: 'answer', answer: { content: `s ${lastUserContent(body)}` } });
    const stream = await gw.client().chat.completions.create({ model: 'thinkgate-direct', stream: true, messages: [{ role: 'user', content: 'q' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('s q');
  });

  it('4xx from the upstream: passed through once, not retried', async () => {
    gw.direct.scenario = () => ({ kind: 'status', status: 400, body: { error: { message: 'bad param', type: 'invalid_request_error', param: 'x', code: null } } });
    const before = gw.direct.chatRequests().length;
    const res = await post(gw, '/v1/chat/completions', direct());
    expect(res.status).toBe(400);
    expect(gw.direct.chatRequests().length - before).toBe(1);
  });

  it('malformed upstream JSON: 502 upstream_malformed', async () => {
    gw.direct.scenario = () => ({ kind: 'raw', status: 200, contentType: 'application/json', text: '{"choices": [' });
    const res = await post(gw, '/v1/chat/completions', direct());
    expect(res.status).toBe(502);
    expect((res.json as { error: { code: string } }).error.code).toBe('upstream_malformed');
  });

  it('upstream JSON that is not a completion: 502 upstream_malformed', async () => {
    gw.direct.scenario = () => ({ kind: 'raw', status: 200, contentType: 'application/json', text: '{"hello":"world"}' });
    const res = await post(gw, '/v1/chat/completions', direct());
    expect(res.status).toBe(502);
    expect((res.json as { error: { code: string } }).error.code).toBe('upstream_malformed');
  });

  it('a 200 HTML page (a login page, a proxy notice) to a stream request: a JSON 502 before any stream, not a 200 stream that fails', async () => {
    gw.direct.scenario = () => ({ kind: 'raw', status: 200, contentType: 'text/html; charset=utf-8', text: '<!doctype html><title>Sign in</title><p>Please log in' });
    for (const stream of [true, false]) {
      const res = await post(gw, '/v1/chat/completions', direct('m', stream));
      expect(res.status, `stream: ${String(stream)}`).toBe(502);
      const error = (res.json as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('upstream_malformed');
      expect(error.message).toContain('HTML page');
      expect(error.message).not.toContain('<');
    }
  });

  it('malformed upstream SSE: final error event upstream_malformed', async () => {
    gw.direct.scenario = () => ({ kind: 'sse', events: ['{"id":"x","choices":[]}', 'this is not json'] });
    const res = await post(gw, '/v1/chat/completions', direct('m', true));
    expect(res.status).toBe(200);
    const last = JSON.parse(sseEvents(res.text).at(-1)!) as { error: { code: string } };
    expect(last.error.code).toBe('upstream_malformed');
  });

  it('an `event: error` whose data is the error itself, or plain text: relayed with its message', async () => {
    gw.direct.scenario = () => ({ kind: 'sse', raw: true, events: [`data: ${streamEvents({ content: 'ab' }, 'fake-chat', false)[1]}\n\n`, 'event: error\ndata: {"message":"model overloaded","code":"overloaded"}\n\n'] });
    const json = await post(gw, '/v1/chat/completions', direct('ee', true));
    expect((JSON.parse(sseEvents(json.text).at(-1)!) as { error: unknown }).error).toMatchObject({ code: 'overloaded', message: 'direct upstream: model overloaded' });
    gw.direct.scenario = () => ({ kind: 'sse', raw: true, events: ['event: error\ndata: upstream worker crashed\n\n'] });
    const text = await post(gw, '/v1/chat/completions', direct('et', true));
    expect((JSON.parse(sseEvents(text.text).at(-1)!) as { error: unknown }).error).toMatchObject({ code: 'upstream_stream_error', message: 'direct upstream: upstream worker crashed' });
  });

  it('an upstream error event inside the stream: relayed as a final error event', async () => {
    gw.direct.scenario = () => ({ kind: 'sse', events: ['{"error":{"message":"overloaded mid-way","code":"overloaded"}}'] });
    const res = await post(gw, '/v1/chat/completions', direct('e', true));
    const last = JSON.parse(sseEvents(res.text).at(-1)!) as { error: { code: string; message: string } };
    expect(last.error.code).toBe('overloaded');
    expect(last.error.message).toContain('overloaded mid-way');
  });
});

describe('connection refused', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway((f) => {
      const ups = fastUpstreams(f, { direct: { breaker: { enabled: false } } });
      // Port 1 on loopback: nothing listens, the connection is refused at once.
      return { upstreams: { ...ups, reasoning: { ...ups.reasoning!, baseUrl: 'http://127.0.0.1:1/v1' } }, fallback: { reasoningToDirect: false } };
    });
  });
  afterAll(() => gw.close());

  it('502 upstream_unreachable in OpenAI shape, and the proxy stays healthy', async () => {
    const res = await post(gw, '/v1/chat/completions', chatBody('thinkgate-reasoning'));
    expect(res.status).toBe(502);
    expect((res.json as { error: { code: string } }).error.code).toBe('upstream_unreachable');
    await assertHealthy(gw);
  });
});
