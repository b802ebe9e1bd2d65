import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type OpenAI from 'openai';
import { startGateway, type TestGateway } from './support/gateway.js';
import type { ReasoningDialect } from './support/fake-upstream.js';

type Delta = OpenAI.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string; reasoning?: string };
type Message = OpenAI.ChatCompletionMessage & { reasoning_content?: string; reasoning?: string };

const REASONING = 'First, 17 is prime.\nThen check 19 <b>.';
const ANSWER = 'Both are prime.';

async function collect(openai: OpenAI, content: string): Promise<{ reasoning: string; reasoningAlt: string; content: string }> {
  const stream = await openai.chat.completions.create({ model: 'thinkgate-reasoning', stream: true, messages: [{ role: 'user', content }] });
  const out = { reasoning: '', reasoningAlt: '', content: '' };
  for await (const chunk of stream) {
    const d = chunk.choices[0]?.delta as Delta | undefined;
    out.reasoning += d?.reasoning_content ?? '';
    out.reasoningAlt += d?.reasoning ?? '';
    out.content += d?.content ?? '';
  }
  return out;
}

describe.each<ReasoningDialect>(['reasoning_content', 'reasoning', 'think'])('upstream speaking %s', (dialect) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
    gw.reasoning.scenario = () => ({ kind: 'answer', answer: { content: ANSWER, reasoning: REASONING, dialect, chunkSize: 3 } });
  });
  afterAll(() => gw.close());

  it('non-streaming: the client gets message.reasoning_content and clean content', async () => {
    const res = await gw.client().chat.completions.create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'q' }] });
    const m = res.choices[0]!.message as Message;
    expect(m.content).toBe(ANSWER);
    expect(m.reasoning_content?.trim()).toBe(REASONING);
    expect(m.reasoning).toBeUndefined();
  });

  it('streaming, with tags and words split across 3-character chunks: delta.reasoning_content and clean content', async () => {
    const out = await collect(gw.client(), 'q');
    expect(out.content).toBe(ANSWER);
    expect(out.reasoning.trim()).toBe(REASONING);
    expect(out.reasoningAlt).toBe('');
  });
});

describe.each([
  ['reasoning', 'reasoning'],
  ['strip', null],
] as const)('reasoning.output = %s', (output, field) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(() => ({ reasoning: { output } }));
    gw.reasoning.scenario = () => ({ kind: 'answer', answer: { content: ANSWER, reasoning: REASONING, dialect: 'think', chunkSize: 5 } });
  });
  afterAll(() => gw.close());

  it('puts reasoning where configured, in both forms', async () => {
    const res = await gw.client().chat.completions.create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'q' }] });
    const m = res.choices[0]!.message as Message;
    expect(m.content).toBe(ANSWER);
    expect(m.reasoning_content).toBeUndefined();
    if (field === null) expect(m.reasoning).toBeUndefined();
    else expect(m.reasoning?.trim()).toBe(REASONING);
    const out = await collect(gw.client(), 'q');
    expect(out.content).toBe(ANSWER);
    expect(out.reasoning).toBe('');
    expect(out.reasoningAlt.trim()).toBe(field === null ? '' : REASONING);
  });
});
