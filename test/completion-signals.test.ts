import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../src/core/record.js';
import { startGateway, type TestGateway } from './support/gateway.js';

/**
 * When a stream is complete: `[DONE]` or a finish_reason on every choice is a completion signal; only a cut or
 * reset before one is a cut stream. Raw SSE is read here (not the SDK) to see exactly what the client was sent.
 */

const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const ANSWER = [chunk({ role: 'assistant', content: '' }), chunk({ content: 'The answer ' }), chunk({ content: 'is 4.' })];
const json = { id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'The answer is 4.' }, finish_reason: 'stop' }] };

const dataOf = (text: string): string[] => text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));

describe('completion signals', () => {
  let gw: TestGateway;
  const records: RequestRecord[] = [];
  let n = 0;
  beforeAll(async () => {
    gw = await startGateway((f) => ({
      upstreams: {
        reasoning: { baseUrl: f.reasoning.url, model: 'fake-reasoner', timeouts: { idleMs: 300 }, breaker: { enabled: false } },
      },
      fallback: { reasoningToDirect: false },
    }));
    gw.app.thinkgate.observers.push((r) => records.push(r));
  });
  afterAll(() => gw.close());

  /** A fresh cacheable stream request; returns the SSE data fields the client got. */
  async function ask(sse: string[], opts: { cut?: boolean; stall?: boolean } = {}): Promise<{ data: string[]; record: RequestRecord; again: () => Promise<string[]> }> {
    // A stall: everything in one write, then a pause (the fake sleeps after each write) longer than idleMs.
    gw.reasoning.scenario = () => (opts.stall ? { kind: 'sse', events: [sse.join('')], raw: true, chunkDelayMs: 1_000 } : { kind: 'dialect', json, sse, cut: opts.cut ?? false });
    const body = JSON.stringify({ model: 'thinkgate-reasoning', stream: true, temperature: 0, messages: [{ role: 'user', content: `q${n++}` }] });
    const post = async (): Promise<string[]> =>
      dataOf(await (await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).text());
    const data = await post();
    for (let i = 0; i < 50 && records.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    return { data, record: records.at(-1)!, again: post };
  }

  it('[DONE] without a finish_reason completes the answer: the implied finish chunk goes out before [DONE], the answer is cached, the log line says so', async () => {
    const { data, record, again } = await ask([...ANSWER, 'data: [DONE]\n\n']);
    expect(data.at(-1)).toBe('[DONE]');
    expect((JSON.parse(data.at(-2)!) as { choices: { finish_reason: string }[] }).choices[0]?.finish_reason).toBe('stop');
    expect(record).toMatchObject({ outcome: 'completed', errorCode: null, finishSynthesised: true });
    const calls = gw.reasoning.chatRequests().length;
    const replay = await again();
    expect(gw.reasoning.chatRequests()).toHaveLength(calls);
    expect((JSON.parse(replay.at(-2)!) as { choices: { finish_reason: string }[] }).choices[0]?.finish_reason).toBe('stop');
  });

  it('after tool calls, [DONE] implies tool_calls', async () => {
    const call = chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] });
    const { data } = await ask([chunk({ role: 'assistant', content: null }), call, 'data: [DONE]\n\n']);
    expect((JSON.parse(data.at(-2)!) as { choices: { finish_reason: string }[] }).choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('a finish_reason, then a clean close without [DONE]: complete, not synthesised', async () => {
    const { data, record } = await ask([...ANSWER, chunk({}, 'stop')]);
    expect(data.at(-1)).toBe('[DONE]');
    expect(record).toMatchObject({ outcome: 'completed', finishSynthesised: undefined });
  });

  it('a finish_reason, then a reset: complete (the completion signal came first)', async () => {
    const { data, record } = await ask([...ANSWER, chunk({}, 'stop')], { cut: true });
    expect(data.at(-1)).toBe('[DONE]');
    expect(record.outcome).toBe('completed');
  });

  it('a finish_reason, then silence past the idle timeout: complete', async () => {
    const { data, record } = await ask([...ANSWER, chunk({}, 'stop')], { stall: true });
    expect(data.at(-1)).toBe('[DONE]');
    expect(record.outcome).toBe('completed');
  });

  it('a reset before any completion signal is a cut: an error event saying so, nothing cached', async () => {
    const { data, record, again } = await ask(ANSWER, { cut: true });
    const last = JSON.parse(data.at(-1)!) as { error: { code: string; message: string } };
    expect(last.error).toMatchObject({ code: 'upstream_stream_cut', message: 'reasoning upstream closed the connection before the answer was complete' });
    expect(record).toMatchObject({ outcome: 'error', errorCode: 'upstream_stream_cut' });
    const calls = gw.reasoning.chatRequests().length;
    await again();
    expect(gw.reasoning.chatRequests()).toHaveLength(calls + 1);
  });

  it('a clean end with neither [DONE] nor a finish_reason is a cut; [DONE] with no answer at all says so', async () => {
    const cut = await ask(ANSWER);
    expect((JSON.parse(cut.data.at(-1)!) as { error: { code: string } }).error.code).toBe('upstream_stream_cut');
    const empty = await ask(['data: [DONE]\n\n']);
    expect((JSON.parse(empty.data.at(-1)!) as { error: { message: string } }).error.message).toBe('reasoning upstream ended the stream without an answer');
  });
});

describe('after [DONE]', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // The default idle timeout (minutes): only [DONE] itself can end the client's stream before the server lets go.
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  it('[DONE] ends the client\'s stream at once, even when the server holds its connection open after it', async () => {
    gw.reasoning.scenario = () => ({ kind: 'sse', events: [[...ANSWER, chunk({}, 'stop'), 'data: [DONE]\n\n'].join('')], raw: true, chunkDelayMs: 1_500 });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'thinkgate-reasoning', stream: true, messages: [{ role: 'user', content: 'held open' }] }),
    });
    expect(dataOf(await res.text()).at(-1)).toBe('[DONE]');
    expect(gw.reasoning.chatRequests().at(-1)?.finished).toBe(false);
  });
});

/**
 * Servers that do not stream (or not a given request) answer a stream request with one JSON completion; the client
 * asked for a stream and gets one, whole, rather than an error saying the stream ended without an answer.
 */
describe('a JSON answer to a stream request', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  const completion = {
    id: 'chatcmpl-j',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [
      { index: 0, message: { role: 'assistant', content: 'The answer is 4.', reasoning_content: 'Two and two.' }, finish_reason: 'stop' },
      {
        index: 1,
        message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":2}' } }] },
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 9, completion_tokens: 11, total_tokens: 20 },
  };

  it('is streamed to the client in full: text, reasoning, tool calls, finish reasons and usage (openai SDK)', async () => {
    gw.reasoning.scenario = () => ({ kind: 'raw', status: 200, contentType: 'application/json', text: JSON.stringify(completion) });
    const stream = gw.client().chat.completions.stream({ model: 'thinkgate-reasoning', n: 2, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'add 2 and 2' }] });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe('The answer is 4.');
    expect((final.choices[0]?.message as { reasoning_content?: string }).reasoning_content).toBe('Two and two.');
    expect(final.choices[0]?.finish_reason).toBe('stop');
    expect(final.choices[1]?.message.tool_calls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":2}' } }]);
    expect(final.choices[1]?.finish_reason).toBe('tool_calls');
    expect(final.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 11, total_tokens: 20 });
  });

  it('an error object instead of a completion ends the stream with the error the non-stream path gives (upstream_malformed)', async () => {
    gw.reasoning.scenario = () => ({ kind: 'raw', status: 200, contentType: 'application/json', text: JSON.stringify({ error: { message: 'model is overloaded', type: 'server_error' } }) });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'thinkgate-reasoning', stream: true, messages: [{ role: 'user', content: 'overloaded?' }] }),
    });
    const last = JSON.parse(dataOf(await res.text()).at(-1)!) as { error: { message: string; code: string } };
    expect(last.error.code).toBe('upstream_malformed');
    expect(last.error.message).toBe('reasoning upstream returned JSON that is not a chat completion');
  });
});
