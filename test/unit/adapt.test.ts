import { describe, expect, it } from 'vitest';
import { adaptRequest, effortFor } from '../../src/upstream/adapt.js';
import { upstreamSchema } from '../../src/config/schema.js';
import type { CanonicalRequest } from '../../src/core/conversation.js';

const upstream = (extra: Record<string, unknown> = {}) => upstreamSchema.parse({ baseUrl: 'http://127.0.0.1:1/v1', model: 'up-model', ...extra });
const request: CanonicalRequest = {
  model: 'auto',
  messages: [
    { role: 'user', content: 'q' },
    { role: 'assistant', content: [{ type: 'text', text: '<think>x</think>a' }], reasoning: 'r' },
    { role: 'user', content: 'q2' },
  ],
  max_tokens: 100,
  temperature: 0.2,
  reasoning_effort: 'high',
};

describe('adaptRequest', () => {
  it('sets the upstream model, strips history reasoning and drops effort the upstream does not accept', () => {
    const body = adaptRequest(request, upstream(), { history: 'strip', stream: false, effort: 'high' });
    expect(body.model).toBe('up-model');
    expect(body.reasoning_effort).toBeUndefined();
    // The one text part also becomes a string (DeepSeek takes no arrays).
    expect((body.messages as unknown[])[1]).toEqual({ role: 'assistant', content: 'a' });
  });

  it('strips the shape an answer that started inside the thinking block comes back in, and the upstream\'s own tag pairs', () => {
    const turn = (content: string): CanonicalRequest => ({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content }, { role: 'user', content: 'q2' }] });
    const r1 = adaptRequest(turn('Okay, 2+2.\n</think>\n\nThe answer is 4.'), upstream(), { history: 'strip', stream: false });
    expect((r1.messages as { content: string }[])[1]?.content).toBe('The answer is 4.');
    const tags = [{ open: '[THINK]', close: '[/THINK]' }];
    const own = adaptRequest(turn('[THINK]plan[/THINK]\nDone. <think>kept</think>'), upstream({ thinkTags: tags }), { history: 'strip', stream: false });
    expect((own.messages as { content: string }[])[1]?.content).toBe('Done. <think>kept</think>');
  });

  it('keeps history reasoning when the upstream needs it back', () => {
    const body = adaptRequest(request, upstream(), { history: 'keep', stream: false });
    expect((body.messages as unknown[])[1]).toEqual({ ...request.messages[1], content: '<think>x</think>a' });
  });

  it('always: every assistant turn carries reasoning_content, the client\'s reasoning or an empty one', () => {
    const turns: CanonicalRequest = {
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'out' },
        { role: 'assistant', content: 'a', reasoning: 'r' },
        { role: 'assistant', content: 'b', reasoning_content: 'rc', reasoning: 'ignored' },
      ],
    };
    const body = adaptRequest(turns, upstream(), { history: 'always', stream: false });
    const assistants = (body.messages as Record<string, unknown>[]).filter((m) => m.role === 'assistant');
    expect(assistants.map((m) => m.reasoning_content)).toEqual(['', 'r', 'rc']);
    expect(assistants.some((m) => 'reasoning' in m)).toBe(false);
  });

  it('joins the system messages a conversation opens with; later ones and non-text ones are left', () => {
    const messages: CanonicalRequest['messages'] = [
      { role: 'system', content: 'A' },
      { role: 'developer', content: [{ type: 'text', text: 'B' }] },
      { role: 'user', content: 'q' },
      { role: 'system', content: 'C' },
    ];
    const sent = adaptRequest({ messages }, upstream(), { history: 'strip', stream: false }).messages as { role: string; content: unknown }[];
    expect(sent).toEqual([{ role: 'system', content: 'A\n\nB' }, { role: 'user', content: 'q' }, { role: 'system', content: 'C' }]);
    // Passed on as developer (an OpenAI upstream): nothing to join.
    const kept = adaptRequest({ messages }, upstream({ developerRole: 'developer' }), { history: 'strip', stream: false }).messages as { role: string }[];
    expect(kept.map((m) => m.role)).toEqual(['system', 'developer', 'user', 'system']);
    const image = [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }];
    const withImage = adaptRequest({ messages: [{ role: 'system', content: 'A' }, { role: 'system', content: image }, { role: 'user', content: 'q' }] }, upstream(), { history: 'strip', stream: false });
    expect((withImage.messages as unknown[]).length).toBe(3);
  });

  it('sends content made only of plain text parts as a string; other arrays as they are', () => {
    const image = [{ type: 'text', text: 'see' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }];
    const marked = [{ type: 'text', text: 'ctx', cache_control: { type: 'ephemeral' } }];
    // The Agents SDK's chat model copies a message's extra fields into its text parts: noise, not a mark.
    const copied = [{ type: 'text', text: 'Final.', role: 'assistant', reasoning_content: 'r' }];
    const body = adaptRequest(
      {
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
          { role: 'system', content: marked },
          { role: 'user', content: image },
          { role: 'assistant', content: copied },
        ],
      },
      upstream(),
      { history: 'strip', stream: false },
    );
    expect((body.messages as { content: unknown }[]).map((m) => m.content)).toEqual(['a\nb', marked, image, 'Final.']);
  });

  it('renames, drops and sets fields per upstream; passes effort where accepted', () => {
    const up = upstream({
      acceptsReasoningEffort: true,
      params: { rename: { max_tokens: 'max_completion_tokens' }, drop: ['temperature'], set: { chat_template_kwargs: { enable_thinking: true } } },
    });
    const body = adaptRequest(request, up, { history: 'strip', stream: true, effort: 'low' });
    expect(body).toMatchObject({ max_completion_tokens: 100, reasoning_effort: 'low', stream: true, stream_options: { include_usage: true }, chat_template_kwargs: { enable_thinking: true } });
    expect('max_tokens' in body).toBe(false);
    expect('temperature' in body).toBe(false);
  });

  it('sends an effort the upstream does not list as the nearest listed one, the higher on a tie', () => {
    const ollama = upstream({ acceptsReasoningEffort: true, reasoningEfforts: ['none', 'low', 'medium', 'high', 'max'] });
    expect(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'].map((e) => effortFor(ollama, e as 'low'))).toEqual(['none', 'low', 'low', 'medium', 'high', 'max', 'max']);
    const sglang = upstream({ acceptsReasoningEffort: true, reasoningEfforts: ['low', 'medium', 'high'] });
    expect(effortFor(sglang, 'max')).toBe('high');
    expect(effortFor(sglang, 'none')).toBe('low');
    expect(effortFor(upstream({ acceptsReasoningEffort: true }), 'xhigh')).toBe('xhigh');
    expect(effortFor(upstream({ reasoningEfforts: ['low'] }), 'low')).toBeUndefined();
  });

  it('does not mutate the client request', () => {
    const copy = structuredClone(request);
    adaptRequest(request, upstream({ params: { drop: ['temperature'] } }), { history: 'strip', stream: true });
    expect(request).toEqual(copy);
  });
});
