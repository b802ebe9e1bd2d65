import { Agent, run, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled, tool, type RunStreamEvent } from '@openai/agents';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RequestRecord } from '../../src/core/record.js';
import type { RecordedRequest } from '../support/fake-upstream.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { assertValidEvent } from '../support/responses-schema.js';
import { scriptAnswer, scriptNativeAnswer, scriptNativeToolRoundTrip, scriptToolRoundTrip, type ToolRoundTrip } from '../support/responses-scripts.js';
import { clientTestConfig, startFakeResponsesUpstream, type FakeResponsesUpstream } from '../support/responses-upstream.js';

/**
 * The OpenAI Agents SDK (`@openai/agents`, on the Responses API via `setOpenAIAPI('responses')`) runs an agent with
 * a function tool through the gateway, bridged to a fake chat upstream (thinkgate-reasoning) and forwarded to a fake
 * native Responses upstream (thinkgate-direct): the model calls the tool, the SDK runs it and sends its output
 * (and the model's earlier items, reasoning included) back, the model answers. Streamed runs also check every raw event the SDK received
 * against the openai SDK's types.
 */

type JsonMessage = { role: string; content?: unknown; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string };
const messagesOf = (r: RecordedRequest | undefined): JsonMessage[] => ((r?.body as { messages?: JsonMessage[] } | undefined)?.messages ?? []);
type Item = { type?: string; call_id?: string; name?: string; output?: unknown };
const inputOf = (r: RecordedRequest | undefined): Item[] => ((r?.body as { input?: Item[] } | undefined)?.input ?? []);

const TRIP: ToolRoundTrip = {
  name: 'get_weather',
  arguments: JSON.stringify({ city: 'Paris' }),
  callId: 'call_weather_1',
  final: (output) => `Final: ${output}.`,
  reasoning: 'Look the weather up first.',
};
const FINAL = 'Final: Sunny and 21 C in Paris.';

describe('OpenAI Agents SDK through /v1/responses', () => {
  let gw: TestGateway;
  let native: FakeResponsesUpstream;
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
  const agent = (model: string): Agent => new Agent({ name: 'Weather agent', instructions: 'Answer weather questions with the tool.', model, tools: [weather] });

  beforeAll(async () => {
    native = await startFakeResponsesUpstream();
    gw = await startGateway(() => clientTestConfig(native, 'direct'));
    gw.app.thinkgate.observers.push((record) => void records.push(record));
    // The SDK's settings are process-wide; this file runs in its own worker.
    setTracingDisabled(true);
    setOpenAIAPI('responses');
    setDefaultOpenAIClient(gw.client('sk-agents'));
  });
  afterAll(async () => {
    await gw.close();
    await native.close();
  });
  beforeEach(() => {
    toolCalls.length = 0;
    scriptToolRoundTrip([gw.reasoning], TRIP);
    scriptNativeToolRoundTrip(native, TRIP);
  });

  interface Backend {
    name: string;
    model: string;
    route: string;
    /** Requests this backend's upstream received so far. */
    sent(): RecordedRequest[];
    /** The second turn carried the call and the tool's output, in the upstream's own dialect. */
    expectSecondTurn(second: RecordedRequest | undefined): void;
    /** Makes the upstream answer `text` (no tool call, no reasoning). */
    answer(text: string): void;
  }
  const backends: Backend[] = [
    {
      name: 'a chat upstream',
      model: 'thinkgate-reasoning',
      route: 'reasoning',
      sent: () => gw.reasoning.chatRequests(),
      expectSecondTurn: (second) => {
        const messages = messagesOf(second);
        expect(messages.find((m) => m.role === 'assistant')?.tool_calls?.[0]).toMatchObject({ id: 'call_weather_1', function: { name: 'get_weather' } });
        expect(messages.find((m) => m.role === 'tool' && m.tool_call_id === 'call_weather_1')?.content).toBe('Sunny and 21 C in Paris');
      },
      answer: (text) => scriptAnswer([gw.reasoning], text),
    },
    {
      name: 'a native Responses upstream',
      model: 'thinkgate-direct',
      route: 'direct',
      sent: () => native.responsesRequests(),
      expectSecondTurn: (second) => {
        expect(second?.body).toMatchObject({ model: 'native-model', store: false });
        const input = inputOf(second);
        expect(input.find((i) => i.type === 'function_call')).toMatchObject({ call_id: 'call_weather_1', name: 'get_weather' });
        expect(input.find((i) => i.type === 'function_call_output' && i.call_id === 'call_weather_1')?.output).toBe('Sunny and 21 C in Paris');
      },
      answer: (text) => scriptNativeAnswer(native, text),
    },
  ];

  describe.each(backends)('over $name', (backend) => {
    /** Two upstream calls (the tool's result in the second), and two Responses requests recorded by the gateway. */
    function expectRoundTrip(before: { upstream: number; records: number }, stream: boolean): void {
      const sent = backend.sent().slice(before.upstream);
      expect(sent).toHaveLength(2);
      backend.expectSecondTurn(sent[1]);
      const mine = records.slice(before.records);
      const expected = { status: 200, outcome: 'completed', stream, api: 'responses', route: backend.route };
      expect(mine.map((r) => ({ status: r.status, outcome: r.outcome, stream: r.stream, api: r.api, route: r.route }))).toEqual([expected, expected]);
    }
    const mark = (): { upstream: number; records: number } => ({ upstream: backend.sent().length, records: records.length });

    it('runs an agent with a function tool (not streamed)', async () => {
      const before = mark();
      const result = await run(agent(backend.model), 'What is the weather in Paris?');
      expect(toolCalls).toEqual(['Paris']);
      expect(result.finalOutput).toBe(FINAL);
      expect(result.newItems.map((i) => i.type)).toEqual(expect.arrayContaining(['tool_call_item', 'tool_call_output_item', 'message_output_item']));
      expectRoundTrip(before, false);
    });

    it('runs it streamed: text deltas arrive, every raw event is a valid Responses event', async () => {
      const before = mark();
      const result = await run(agent(backend.model), 'What is the weather in Paris?', { stream: true });
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
      expect(result.finalOutput).toBe(FINAL);
      expect(text).toBe(FINAL);
      for (const ev of raw) assertValidEvent(ev);
      const types = raw.map((e) => (e as { type: string }).type);
      expect(types.filter((t) => t === 'response.created')).toHaveLength(2);
      expect(types.filter((t) => t === 'response.completed')).toHaveLength(2);
      expect(types).toContain('response.function_call_arguments.delta');
      expectRoundTrip(before, true);
    });

    it('continues a conversation by previousResponseId (stored responses in the gateway)', async () => {
      backend.answer('Nice to meet you, Ada.');
      const first = await run(agent(backend.model), 'My name is Ada.');
      expect(first.lastResponseId).toMatch(/^resp_/);
      backend.answer('You are Ada.');
      const before = mark();
      const second = await run(agent(backend.model), 'What is my name?', { previousResponseId: first.lastResponseId });
      expect(second.finalOutput).toBe('You are Ada.');
      // The SDK sent only the new message and the id; the gateway rebuilt the conversation for the upstream.
      const sent = backend.sent().slice(before.upstream);
      expect(sent).toHaveLength(1);
      const text = JSON.stringify(sent[0]?.body);
      expect(text).toContain('My name is Ada.');
      expect(text).toContain('Nice to meet you, Ada.');
      expect(text).toContain('What is my name?');
    });
  });
});
