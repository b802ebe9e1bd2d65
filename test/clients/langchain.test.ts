import { ChatOpenAI } from '@langchain/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/core/record.js';
import type { RecordedRequest } from '../support/fake-upstream.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { scriptAnswer, scriptToolRoundTrip } from '../support/responses-scripts.js';

/**
 * LangChain JS (`@langchain/openai` ChatOpenAI with `useResponsesApi: true`) through the gateway's
 * POST /v1/responses, bridged to the fake chat upstreams: invoke, stream, and a bound tool's call.
 */
describe('LangChain ChatOpenAI (useResponsesApi) through /v1/responses', () => {
  let gw: TestGateway;
  const records: RequestRecord[] = [];

  beforeAll(async () => {
    gw = await startGateway();
    gw.app.thinkgate.observers.push((record) => void records.push(record));
  });
  afterAll(async () => {
    await gw.close();
  });

  const model = (): ChatOpenAI =>
    new ChatOpenAI({
      model: 'thinkgate-direct',
      useResponsesApi: true,
      apiKey: 'sk-langchain',
      maxRetries: 0,
      configuration: { baseURL: `${gw.url}/v1` },
    });
  const upstreamRequests = (): RecordedRequest[] => gw.direct.chatRequests();

  it('invokes', async () => {
    scriptAnswer([gw.direct], 'Bonjour from the fake model.');
    const before = { upstream: upstreamRequests().length, records: records.length };
    const message = await model().invoke([
      ['system', 'Be brief.'],
      ['human', 'Say bonjour.'],
    ]);
    expect(message.text).toBe('Bonjour from the fake model.');
    expect(message.usage_metadata).toMatchObject({ input_tokens: 10, output_tokens: 20, total_tokens: 30 });
    const sent = upstreamRequests().slice(before.upstream);
    expect(sent).toHaveLength(1);
    expect((sent[0]?.body as { messages: { role: string; content: unknown }[] }).messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(records.slice(before.records).map((r) => [r.status, r.stream, r.api])).toEqual([[200, false, 'responses']]);
  });

  it('streams', async () => {
    scriptAnswer([gw.direct], 'A streamed answer in several small pieces.');
    const before = records.length;
    let text = '';
    let chunks = 0;
    for await (const chunk of await model().stream('Stream something.')) {
      text += chunk.text;
      chunks += 1;
    }
    expect(text).toBe('A streamed answer in several small pieces.');
    expect(chunks).toBeGreaterThan(3);
    expect(records.slice(before).map((r) => [r.status, r.stream, r.outcome, r.api])).toEqual([[200, true, 'completed', 'responses']]);
  });

  it('gets a bound tool call back', async () => {
    scriptToolRoundTrip([gw.direct], { name: 'get_weather', arguments: '{"city":"Oslo"}', callId: 'call_lc_1', final: (o) => o });
    const withTools = model().bindTools([
      { type: 'function', function: { name: 'get_weather', description: 'Weather in a city.', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
    ]);
    const message = await withTools.invoke('Weather in Oslo?');
    expect(message.tool_calls).toEqual([expect.objectContaining({ name: 'get_weather', args: { city: 'Oslo' }, id: 'call_lc_1' })]);
  });
});
