import { HumanMessage, ToolMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/core/record.js';
import type { RecordedRequest } from '../support/fake-upstream.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { scriptAnswer, scriptNativeAnswer, scriptNativeToolRoundTrip, scriptToolRoundTrip, type ToolRoundTrip } from '../support/responses-scripts.js';
import { clientTestConfig, startFakeResponsesUpstream, type FakeResponsesUpstream } from '../support/responses-upstream.js';

/**
 * LangChain JS (`@langchain/openai` ChatOpenAI with `useResponsesApi: true`) through the gateway's
 * POST /v1/responses: invoke, stream, and a bound tool's call and result, bridged to a fake chat upstream (thinkgate-direct)
 * and forwarded to a fake native Responses upstream (thinkgate-reasoning, `api: responses`).
 */
interface Backend {
  name: string;
  model: string;
  route: string;
  answer(text: string): void;
  toolCall(trip: ToolRoundTrip): void;
  /** The requests this backend's upstream received so far, and the roles (chat) or item kinds (native) of one. */
  sent(): RecordedRequest[];
  shape(r: RecordedRequest | undefined): string[];
}

describe('LangChain ChatOpenAI (useResponsesApi) through /v1/responses', () => {
  let gw: TestGateway;
  let native: FakeResponsesUpstream;
  const records: RequestRecord[] = [];

  beforeAll(async () => {
    native = await startFakeResponsesUpstream();
    gw = await startGateway(() => clientTestConfig(native, 'reasoning'));
    gw.app.thinkgate.observers.push((record) => void records.push(record));
  });
  afterAll(async () => {
    await gw.close();
    await native.close();
  });

  const backends: Backend[] = [
    {
      name: 'a chat upstream',
      model: 'thinkgate-direct',
      route: 'direct',
      answer: (text) => scriptAnswer([gw.direct], text),
      toolCall: (trip) => scriptToolRoundTrip([gw.direct], trip),
      sent: () => gw.direct.chatRequests(),
      shape: (r) => ((r?.body as { messages?: { role: string }[] } | undefined)?.messages ?? []).map((m) => m.role),
    },
    {
      name: 'a native Responses upstream',
      model: 'thinkgate-reasoning',
      route: 'reasoning',
      answer: (text) => scriptNativeAnswer(native, text),
      toolCall: (trip) => scriptNativeToolRoundTrip(native, trip),
      sent: () => native.responsesRequests(),
      shape: (r) => {
        const input = (r?.body as { input?: unknown } | undefined)?.input;
        return Array.isArray(input) ? (input as { role?: string; type?: string }[]).map((i) => i.role ?? i.type ?? '?') : [typeof input];
      },
    },
  ];

  describe.each(backends)('over $name', (backend) => {
    const model = (): ChatOpenAI =>
      new ChatOpenAI({ model: backend.model, useResponsesApi: true, apiKey: 'sk-langchain', maxRetries: 0, configuration: { baseURL: `${gw.url}/v1` } });

    it('invokes', async () => {
      backend.answer('Bonjour from the fake model.');
      const before = { upstream: backend.sent().length, records: records.length };
      const message = await model().invoke([
        ['system', 'Be brief.'],
        ['human', 'Say bonjour.'],
      ]);
      expect(message.text).toBe('Bonjour from the fake model.');
      expect(message.usage_metadata).toMatchObject({ input_tokens: 10, output_tokens: 20, total_tokens: 30 });
      const sent = backend.sent().slice(before.upstream);
      expect(sent).toHaveLength(1);
      expect(backend.shape(sent[0]).filter((k) => k === 'user')).toHaveLength(1);
      expect(records.slice(before.records).map((r) => [r.status, r.stream, r.api, r.route])).toEqual([[200, false, 'responses', backend.route]]);
    });

    it('streams', async () => {
      backend.answer('A streamed answer in several small pieces.');
      const before = records.length;
      let text = '';
      let chunks = 0;
      for await (const chunk of await model().stream('Stream something.')) {
        text += chunk.text;
        chunks += 1;
      }
      expect(text).toBe('A streamed answer in several small pieces.');
      expect(chunks).toBeGreaterThan(3);
      expect(records.slice(before).map((r) => [r.status, r.stream, r.outcome, r.api, r.route])).toEqual([[200, true, 'completed', 'responses', backend.route]]);
    });

    it('gets a bound tool call back, then answers with its result', async () => {
      backend.toolCall({ name: 'get_weather', arguments: '{"city":"Oslo"}', callId: 'call_lc_1', final: (o) => o });
      const withTools = model().bindTools([
        { type: 'function', function: { name: 'get_weather', description: 'Weather in a city.', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
      ]);
      const question = new HumanMessage('Weather in Oslo?');
      const message = await withTools.invoke([question]);
      expect(message.tool_calls).toEqual([expect.objectContaining({ name: 'get_weather', args: { city: 'Oslo' }, id: 'call_lc_1' })]);
      // The tool's result goes back as LangChain sends it (a function_call_output item); the model answers with it.
      const final = await withTools.invoke([question, message, new ToolMessage({ tool_call_id: 'call_lc_1', content: 'Snow, -3 C' })]);
      expect(final.text).toBe('Snow, -3 C');
      expect(final.tool_calls ?? []).toEqual([]);
    });
  });
});
