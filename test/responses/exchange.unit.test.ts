import { describe, expect, it } from 'vitest';
import { responsesExchange } from '../../src/apis/responses/exchange.js';
import { toCanonical } from '../../src/apis/responses/request.js';
import { validateResponsesRequest } from '../../src/apis/responses/validate.js';
import { MemoryResponsesStore } from '../../src/apis/responses/store.js';
import type { AnswerMeta } from '../../src/pipeline/adapter.js';
import type { ChatCompletion } from '../../src/core/types.js';

/** The exchange: what it stores, what it lets the cache keep, and the native body. Pure but for the memory store. */

const meta: AnswerMeta = { requestId: 'r', tenant: 't', decision: { route: 'direct', source: 'gate', score: 0.1, reasons: [] }, upstreamModel: 'm', createdAt: 1 };
const answer = (message: Record<string, unknown>): ChatCompletion => ({
  id: 'c', object: 'chat.completion', created: 1, model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

function exchange(body: Record<string, unknown>, store = new MemoryResponsesStore(1 << 20, 60)) {
  const request = validateResponsesRequest(body);
  return { store, ex: responsesExchange({ request, mapped: toCanonical(request, []), history: [], store, tenant: 't', reasoningOutput: 'reasoning_content', bridged: true }) };
}

describe('responses exchange', () => {
  it('stores the JSON answer before returning it (unless store: false); refusals are refusal parts', async () => {
    const { store, ex } = exchange({ input: 'hi' });
    const response = (await ex.json(answer({ content: 'no', refusal: 'I cannot' }), meta)) as { id: string; output: unknown[] };
    expect(response.output).toEqual([expect.objectContaining({ type: 'message', content: [expect.objectContaining({ type: 'output_text', text: 'no' }), { type: 'refusal', refusal: 'I cannot' }] })]);
    expect((await store.get('t', response.id))?.input).toEqual([{ type: 'message', id: expect.stringMatching(/^msg_/), role: 'user', content: [{ type: 'input_text', text: 'hi' }], status: 'completed' }]);
    const off = exchange({ input: 'hi', store: false });
    const r2 = (await off.ex.json(answer({ content: 'x' }), meta)) as { id: string };
    expect(await off.store.get('t', r2.id)).toBeNull();
  });

  it('an answer with items the canonical answer cannot hold is served but not cached (JSON and stream)', async () => {
    const { ex } = exchange({ input: 'hi' });
    const carried = answer({ content: 'found', responses_items: [{ type: 'web_search_call', id: 'ws', status: 'completed' }] });
    const json = (await ex.json(carried, meta)) as { output: Array<{ type: string }> };
    expect(json.output.map((i) => i.type)).toEqual(['message', 'web_search_call']);
    expect(ex.cacheable?.(carried)).toBe(false);
    const plain = exchange({ input: 'hi' }).ex;
    expect(plain.cacheable?.(answer({ content: 'fine' }))).toBe(true);
    const streamed = exchange({ input: 'hi' }).ex;
    const enc = streamed.stream();
    enc.start(meta);
    enc.chunk({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { reasoning_encrypted_content: 'gAAA' }, finish_reason: null }] }, null);
    expect(streamed.cacheable?.(answer({ content: 'x' }))).toBe(false);
  });

  it('the native body: the tier model, store false, effort only where accepted, gateway fields and unknown fields out', () => {
    const { ex } = exchange({ input: 'hi', model: 'auto', reasoning: { effort: 'high', summary: 'auto' }, previous_response_id: null, client_metadata: { a: 1 }, include: ['reasoning.encrypted_content'] });
    const client = (accepts: boolean) => ({ model: 'up', config: { acceptsReasoningEffort: accepts, params: { drop: [], rename: {}, set: { extra: 1 } } } }) as never;
    expect(ex.nativeBody?.(client(true), 'low', true)).toEqual({
      model: 'up', input: [{ type: 'message', role: 'user', content: 'hi' }], store: false, stream: true,
      reasoning: { summary: 'auto', effort: 'low' }, include: ['reasoning.encrypted_content'], extra: 1,
    });
    expect(ex.nativeBody?.(client(false), 'low', false)).toMatchObject({ reasoning: { summary: 'auto' } });
  });
});
