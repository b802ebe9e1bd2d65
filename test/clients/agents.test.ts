import { Agent, run, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled, tool, type RunStreamEvent } from '@openai/agents';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RequestRecord } from '../../src/core/record.js';
import type { RecordedRequest } from '../support/fake-upstream.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { assertValidEvent } from '../support/responses-schema.js';
import { scriptToolRoundTrip } from '../support/responses-scripts.js';

/**
 * The OpenAI Agents SDK (`@openai/agents`, on the Responses API via `setOpenAIAPI('responses')`) runs an agent with
 * a function tool through the gateway, bridged to the fake chat upstreams: the model calls the tool, the SDK runs
 * it and sends its output back, the model answers. Streamed runs also check every raw event the SDK received
 * against the openai SDK's types.
 */

type JsonMessage = { role: string; content?: unknown; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string };
const messagesOf = (r: RecordedRequest | undefined): JsonMessage[] => ((r?.body as { messages?: JsonMessage[] } | undefined)?.messages ?? []);

describe('OpenAI Agents SDK through /v1/responses', () => {
  let gw: TestGateway;
  const records: RequestRecord[] = [];
  const toolCalls: string[] = [];

  const weather = tool({
    name: 'get_weather',
    description: 'The current weather in a city.',
    parameters: z.object({ city: z.string() }),
    execute: ({ city }) => {
      toolCalls.push(city);
      return `Sunny and 21 C in ${city}`;
    },
  });
  const agent = (): Agent =>
    new Agent({ name: 'Weather agent', instructions: 'Answer weather questions with the tool.', model: 'thinkgate-reasoning', tools: [weather] });

  beforeAll(async () => {
    gw = await startGateway();
    gw.app.thinkgate.observers.push((record) => void records.push(record));
    // The SDK's settings are process-wide; this file runs in its own worker.
    setTracingDisabled(true);
    setOpenAIAPI('responses');
    setDefaultOpenAIClient(gw.client('sk-agents'));
  });
  afterAll(async () => {
    await gw.close();
  });
  beforeEach(() => {
    toolCalls.length = 0;
    scriptToolRoundTrip([gw.reasoning, gw.direct], {
      name: 'get_weather',
      arguments: JSON.stringify({ city: 'Paris' }),
      callId: 'call_weather_1',
      final: (output) => `Final: ${output}.`,
      reasoning: 'Look the weather up first.',
    });
  });

  const upstreamRequests = (): RecordedRequest[] => [...gw.reasoning.chatRequests(), ...gw.direct.chatRequests()];

  /** The upstream saw the call and its result in the second turn, and the gateway recorded two Responses requests. */
  function expectRoundTrip(before: { upstream: number; records: number }, stream: boolean): void {
    const sent = upstreamRequests().slice(before.upstream);
    expect(sent).toHaveLength(2);
    const first = sent[0]?.body as { tools?: { function?: { name?: string } }[] };
    expect(first.tools?.map((t) => t.function?.name)).toEqual(['get_weather']);
    const second = messagesOf(sent[1]);
    expect(second.find((m) => m.role === 'assistant')?.tool_calls?.[0]).toMatchObject({ id: 'call_weather_1', function: { name: 'get_weather' } });
    expect(second.find((m) => m.role === 'tool' && m.tool_call_id === 'call_weather_1')?.content).toBe('Sunny and 21 C in Paris');
    const mine = records.slice(before.records);
    expect(mine.map((r) => ({ status: r.status, outcome: r.outcome, stream: r.stream, api: r.api }))).toEqual([
      { status: 200, outcome: 'completed', stream, api: 'responses' },
      { status: 200, outcome: 'completed', stream, api: 'responses' },
    ]);
  }

  it('runs an agent with a function tool (not streamed)', async () => {
    const before = { upstream: upstreamRequests().length, records: records.length };
    const result = await run(agent(), 'What is the weather in Paris?');
    expect(toolCalls).toEqual(['Paris']);
    expect(result.finalOutput).toBe('Final: Sunny and 21 C in Paris.');
    expect(result.newItems.map((i) => i.type)).toEqual(expect.arrayContaining(['tool_call_item', 'tool_call_output_item', 'message_output_item']));
    expectRoundTrip(before, false);
  });

  it('runs it streamed: text deltas arrive, every raw event is a valid Responses event', async () => {
    const before = { upstream: upstreamRequests().length, records: records.length };
    const result = await run(agent(), 'What is the weather in Paris?', { stream: true });
    const raw: unknown[] = [];
    let text = '';
    for await (const ev of result as AsyncIterable<RunStreamEvent>) {
      if (ev.type !== 'raw_model_stream_event') continue;
      if (ev.data.type === 'output_text_delta') text += ev.data.delta;
      if (ev.data.type === 'model') raw.push(ev.data.event);
    }
    await result.completed;
    expect(result.error).toBeNull();
    expect(toolCalls).toEqual(['Paris']);
    expect(result.finalOutput).toBe('Final: Sunny and 21 C in Paris.');
    expect(text).toBe('Final: Sunny and 21 C in Paris.');
    for (const ev of raw) assertValidEvent(ev);
    const types = raw.map((e) => (e as { type: string }).type);
    expect(types.filter((t) => t === 'response.created')).toHaveLength(2);
    expect(types.filter((t) => t === 'response.completed')).toHaveLength(2);
    expect(types).toContain('response.function_call_arguments.delta');
    expectRoundTrip(before, true);
  });
});
