import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { Agent, run, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled, tool, type AgentInputItem, type RunStreamEvent } from '@openai/agents';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { FakeUpstream, Scenario } from './support/fake-upstream.js';
import { strictTiers } from './support/strict-gateway.js';

/**
 * The OpenAI Agents SDK (on its Responses and its chat API) runs a three-turn conversation with a function tool, and
 * LangChain ChatOpenAI (chat and Responses) two tool turns, through the gateway,
 * bridged to chat upstreams as strict as the providers a user would put behind it: DeepSeek's thinking mode on the
 * reasoning tier (with `reasoningHistory: always`) and OpenAI's Chat Completions on the direct tier. Every request
 * the gateway makes at every turn must pass the provider's rules (test/support/strict-rules.ts).
 */

type Json = Record<string, unknown>;
const REASONING = 'Look the weather up first.';

/** Calls get_weather when the user just asked about a city, answers from the tool's output after it. */
function weatherModel(reasoning: boolean): FakeUpstream['scenario'] {
  return (body): Scenario => {
    const messages = body.messages as Json[];
    const last = messages.at(-1);
    const thought = reasoning ? { reasoning: REASONING } : {};
    if (last?.role === 'tool') return { kind: 'answer', answer: { content: `Final: ${String(last.content)}.`, ...thought } };
    const city = /in (\w+)\?/.exec(String(last?.content))?.[1];
    if (city === undefined) return { kind: 'answer', answer: { content: 'You are welcome.', ...thought } };
    const id = `call_${city.toLowerCase()}_${messages.length}`;
    return { kind: 'answer', answer: { content: '', toolCalls: [{ id, name: 'get_weather', arguments: JSON.stringify({ city }) }], ...thought } };
  };
}

describe('an Agents SDK conversation with a function tool, over strict chat upstreams', () => {
  const s = strictTiers({ reasoning: weatherModel(true), direct: weatherModel(false) });
  const cities: string[] = [];
  const weather = tool({
    name: 'get_weather',
    description: 'The current weather in a city.',
    parameters: z.object({ city: z.string() }),
    execute: ({ city }) => {
      cities.push(city);
      return `Sunny in ${city}`;
    },
  });

  // Runs after strictTiers' own beforeAll, which started the gateway.
  beforeAll(() => {
    setTracingDisabled(true);
    setOpenAIAPI('responses');
    setDefaultOpenAIClient(s.gw.client('sk-agents'));
  });
  beforeEach(() => {
    cities.length = 0;
  });

  describe.each([
    { tier: 'reasoning' as const, model: 'thinkgate-reasoning', provider: "DeepSeek's thinking mode", api: 'responses' as const },
    { tier: 'direct' as const, model: 'thinkgate-direct', provider: "OpenAI's Chat Completions", api: 'responses' as const },
    // The SDK's chat model (what users pick for non-OpenAI providers) sends its own chat bodies through the gateway.
    { tier: 'reasoning' as const, model: 'thinkgate-reasoning', provider: "DeepSeek's thinking mode", api: 'chat_completions' as const },
    { tier: 'direct' as const, model: 'thinkgate-direct', provider: "OpenAI's Chat Completions", api: 'chat_completions' as const },
  ])('on the $tier tier ($provider), the SDK on $api', ({ tier, model, api }) => {
    beforeAll(() => setOpenAIAPI(api));

    it('three turns (plain, streamed, plain): every request is accepted', async () => {
      const agent = new Agent({ name: 'Weather agent', instructions: 'Answer weather questions with the tool.', model, tools: [weather] });
      const fake = s.gw[tier];
      const before = fake.chatRequests().length;

      const first = await run(agent, 'What is the weather in Paris?');
      expect(first.finalOutput).toBe('Final: Sunny in Paris.');

      const second = await run(agent, [...first.history, { role: 'user', content: 'And in Lyon?' } as AgentInputItem], { stream: true });
      for await (const ev of second as AsyncIterable<RunStreamEvent>) void ev;
      await second.completed;
      expect(second.error).toBeNull();
      expect(second.finalOutput).toBe('Final: Sunny in Lyon.');

      const third = await run(agent, [...second.history, { role: 'user', content: 'Thanks!' } as AgentInputItem]);
      expect(third.finalOutput).toBe('You are welcome.');

      expect(s.refusals[tier]).toEqual([]);
      expect(cities).toEqual(['Paris', 'Lyon']);
      // Two requests per tool turn, one for the last.
      const sent = fake.chatRequests().slice(before).map((r) => r.body as Json);
      expect(sent).toHaveLength(5);
      const last = sent.at(-1)?.messages as Json[];
      expect(last.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user', 'assistant', 'tool', 'assistant', 'user']);
      const assistants = last.filter((m) => m.role === 'assistant');
      if (tier === 'reasoning' && api === 'responses') {
        // DeepSeek gets every turn's reasoning back, as the SDK returned it in reasoning items.
        expect(assistants.map((m) => m.reasoning_content)).toEqual([REASONING, REASONING, REASONING, REASONING]);
      } else if (tier === 'reasoning') {
        // The chat model keeps what it keeps of the reasoning; each turn carries the field DeepSeek requires.
        expect(assistants.every((m) => typeof m.reasoning_content === 'string')).toBe(true);
      } else {
        expect(assistants.some((m) => 'reasoning_content' in m || 'reasoning' in m)).toBe(false);
      }
    });
  });
});

describe('a LangChain ChatOpenAI conversation with a bound tool, over strict chat upstreams', () => {
  const s = strictTiers({ reasoning: weatherModel(true), direct: weatherModel(false) });
  const weatherTool = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

  it.each([
    { tier: 'reasoning' as const, model: 'thinkgate-reasoning', useResponsesApi: false },
    { tier: 'direct' as const, model: 'thinkgate-direct', useResponsesApi: false },
    { tier: 'reasoning' as const, model: 'thinkgate-reasoning', useResponsesApi: true },
    { tier: 'direct' as const, model: 'thinkgate-direct', useResponsesApi: true },
  ])('two tool turns on the $tier tier (useResponsesApi: $useResponsesApi): every request is accepted', async ({ tier, model, useResponsesApi }) => {
    const llm = new ChatOpenAI({ model, apiKey: 'sk-langchain', configuration: { baseURL: `${s.gw.url}/v1` }, maxRetries: 0, useResponsesApi }).bindTools([weatherTool]);
    const history: BaseMessage[] = [];
    for (const city of ['Paris', 'Lyon']) {
      history.push(new HumanMessage(`What is the weather in ${city}?`));
      const call = (await llm.invoke(history)) as AIMessage;
      expect(call.tool_calls?.[0]?.args).toEqual({ city });
      history.push(call, new ToolMessage({ content: `Sunny in ${city}`, tool_call_id: call.tool_calls?.[0]?.id ?? '' }));
      const answer = (await llm.invoke(history)) as AIMessage;
      expect(answer.text).toBe(`Final: Sunny in ${city}.`);
      history.push(answer);
    }
    expect(s.refusals[tier]).toEqual([]);
    const last = (s.gw[tier].chatRequests().at(-1)?.body as Json).messages as Json[];
    expect(last.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'user', 'assistant', 'tool']);
  });
});
