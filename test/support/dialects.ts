/**
 * The Chat Completions dialects of real OpenAI-compatible servers, as a fake upstream replays them: for each, the
 * exact SSE bytes (split into the writes the server makes) and the non-stream JSON it sends, and the message a
 * client must assemble from either. Sources: each server's documentation and public bug reports (see
 * docs/compatibility.md); a row is one observed behaviour, not a guess at a server's full output.
 */

export interface ExpectedMessage {
  content: string | null;
  reasoning_content?: string;
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string }; [k: string]: unknown }[];
  finish_reason: string;
}

export interface Dialect {
  name: string;
  /** The server (and setting) this replays. */
  server: string;
  /** Upstream settings the dialect needs (e.g. think tags with implicitOpen). */
  upstream?: Record<string, unknown>;
  sse: string[];
  json: unknown;
  expected: ExpectedMessage;
}

const REASONING = '好的，the user asks 2+2. Let me add: 2+2=4.';
const ANSWER = 'The answer is 4.';
const USAGE = { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42, completion_tokens_details: { reasoning_tokens: 18 } };
const CALL_ARGS = '{"path":"notes/today.md"}';

/** Text in pieces of `size` characters, as token streams arrive. */
function pieces(text: string, size = 5): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

interface ChunkOptions {
  id?: string;
  model?: string;
  /** Extra top-level fields on every chunk (e.g. `usage: null` from vLLM). */
  extra?: Record<string, unknown>;
  /** Extra fields on every choice (e.g. OpenRouter's native_finish_reason). */
  choiceExtra?: Record<string, unknown>;
  /** Leave logprobs out of choices (servers that never send the key). */
  noLogprobs?: boolean;
}

function chunker(opts: ChunkOptions = {}): (delta: Record<string, unknown>, finish?: string | null, more?: Record<string, unknown>) => Record<string, unknown> {
  return (delta, finish = null, more = {}) => ({
    id: opts.id ?? 'chatcmpl-dialect',
    object: 'chat.completion.chunk',
    created: 1_760_000_000,
    model: opts.model ?? 'served-model',
    choices: [{ index: 0, delta, ...(opts.noLogprobs ? {} : { logprobs: null }), finish_reason: finish, ...opts.choiceExtra }],
    ...opts.extra,
    ...more,
  });
}

const data = (value: unknown): string => `data: ${typeof value === 'string' ? value : JSON.stringify(value)}\n\n`;
const usageChunk = (id = 'chatcmpl-dialect', model = 'served-model'): Record<string, unknown> => ({ id, object: 'chat.completion.chunk', created: 1_760_000_000, model, choices: [], usage: USAGE });

function completion(message: Record<string, unknown>, finish = 'stop', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'chatcmpl-dialect',
    object: 'chat.completion',
    created: 1_760_000_000,
    model: 'served-model',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, logprobs: null, finish_reason: finish }],
    usage: USAGE,
    ...extra,
  };
}

const answered: ExpectedMessage = { content: ANSWER, reasoning_content: REASONING, finish_reason: 'stop' };

export const DIALECTS: Dialect[] = [
  (() => {
    const c = chunker();
    return {
      name: 'openai',
      server: 'OpenAI (reference): role chunk with refusal null, content, finish chunk, usage chunk',
      sse: [c({ role: 'assistant', content: '', refusal: null }), ...pieces(ANSWER).map((p) => c({ content: p })), c({}, 'stop'), usageChunk(), '[DONE]'].map(data),
      json: completion({ content: ANSWER, refusal: null, annotations: [] }),
      expected: { content: ANSWER, finish_reason: 'stop' },
    };
  })(),
  (() => {
    const c = chunker();
    return {
      name: 'deepseek',
      server: 'DeepSeek API (deepseek-reasoner): reasoning_content with content null, then content with reasoning_content null; usage on the last chunk',
      sse: [
        c({ role: 'assistant', content: null, reasoning_content: '' }),
        ...pieces(REASONING).map((p) => c({ content: null, reasoning_content: p })),
        ...pieces(ANSWER).map((p) => c({ content: p, reasoning_content: null })),
        c({ content: '', reasoning_content: null }, 'stop', { usage: USAGE }),
        '[DONE]',
      ].map(data),
      json: completion({ content: ANSWER, reasoning_content: REASONING }),
      expected: answered,
    };
  })(),
  (() => {
    const c = chunker({ extra: { usage: null } });
    return {
      name: 'vllm-reasoning',
      server: 'vLLM with a reasoning parser (newer versions): delta.reasoning, usage: null on each chunk, tool_calls: [] in the message',
      sse: [
        c({ role: 'assistant', content: '' }),
        ...pieces(REASONING).map((p) => c({ reasoning: p })),
        ...pieces(ANSWER).map((p) => c({ content: p })),
        c({ content: '' }, 'stop'),
        usageChunk(),
        '[DONE]',
      ].map(data),
      json: completion({ content: ANSWER, reasoning: REASONING, tool_calls: [] }),
      expected: answered,
    };
  })(),
  (() => {
    const c = chunker();
    return {
      name: 'vllm-both-fields',
      server: 'vLLM versions that send the same thinking in reasoning and reasoning_content',
      sse: [
        c({ role: 'assistant', content: '' }),
        ...pieces(REASONING).map((p) => c({ reasoning: p, reasoning_content: p })),
        ...pieces(ANSWER).map((p) => c({ content: p })),
        c({}, 'stop'),
        usageChunk(),
        '[DONE]',
      ].map(data),
      json: completion({ content: ANSWER, reasoning: REASONING, reasoning_content: REASONING, tool_calls: [] }),
      expected: answered,
    };
  })(),
  (() => {
    const c = chunker();
    const raw = `<think>\n${REASONING}\n</think>\n\n${ANSWER}`;
    return {
      name: 'think-tags',
      server: 'Raw Qwen3 / DeepSeek-R1 output (SGLang or vLLM without a reasoning parser, llama.cpp --reasoning-format none, Together R1): <think> in content',
      sse: [c({ role: 'assistant', content: '' }), ...pieces(raw, 3).map((p) => c({ content: p })), c({}, 'stop'), usageChunk(), '[DONE]'].map(data),
      json: completion({ content: raw }),
      expected: { content: ANSWER, reasoning_content: `${REASONING}\n`, finish_reason: 'stop' },
    };
  })(),
  (() => {
    const c = chunker();
    const raw = `${REASONING}\n</think>\n\n${ANSWER}`;
    return {
      name: 'r1-distill-open-tag-in-prompt',
      server: 'DeepSeek-R1 distills with the official chat template (<think>\\n ends the prompt): only the closing tag in the output',
      upstream: { thinkTags: [{ open: '<think>', close: '</think>', implicitOpen: true }] },
      sse: [c({ role: 'assistant', content: '' }), ...pieces(raw, 4).map((p) => c({ content: p })), c({}, 'stop'), usageChunk(), '[DONE]'].map(data),
      json: completion({ content: raw }),
      expected: { content: ANSWER, reasoning_content: `${REASONING}\n`, finish_reason: 'stop' },
    };
  })(),
  (() => {
    const c = chunker({ model: 'minimaxai/minimax-m2' });
    const call = (args: string): Record<string, unknown> => ({ tool_calls: [{ index: 0, id: 'call_mm1', type: 'function', function: { name: 'read_file', arguments: args } }] });
    return {
      name: 'nim-minimax-tool-names',
      server: 'MiniMax through NVIDIA NIM (also some Fireworks/Kimi deployments): id, type and function.name resent in every tool-call delta',
      sse: [
        c({ role: 'assistant', content: '', reasoning_content: '' }),
        ...pieces(REASONING).map((p) => c({ reasoning_content: p })),
        ...pieces(CALL_ARGS, 4).map((p) => c(call(p))),
        c({}, 'tool_calls'),
        usageChunk('chatcmpl-dialect', 'minimaxai/minimax-m2'),
        '[DONE]',
      ].map(data),
      json: completion({ content: null, reasoning_content: REASONING, tool_calls: [{ id: 'call_mm1', type: 'function', function: { name: 'read_file', arguments: CALL_ARGS } }] }, 'tool_calls'),
      expected: { content: null, reasoning_content: REASONING, tool_calls: [{ id: 'call_mm1', type: 'function', function: { name: 'read_file', arguments: CALL_ARGS } }], finish_reason: 'tool_calls' },
    };
  })(),
  (() => {
    const c = chunker({ id: 'chatcmpl-123', model: 'qwen3:8b', noLogprobs: true });
    const call = { id: 'call_ol1', index: 0, type: 'function', function: { name: 'read_file', arguments: CALL_ARGS } };
    return {
      name: 'ollama',
      server: 'Ollama /v1 with think: reasoning field, role on every delta, a tool call whole in one delta, content "" beside tool calls',
      sse: [
        ...pieces(REASONING).map((p) => c({ role: 'assistant', content: '', reasoning: p })),
        c({ role: 'assistant', content: '', tool_calls: [call] }),
        c({ role: 'assistant', content: '' }, 'tool_calls'),
        usageChunk('chatcmpl-123', 'qwen3:8b'),
        '[DONE]',
      ].map(data),
      json: completion({ content: '', reasoning: REASONING, tool_calls: [{ id: 'call_ol1', index: 0, type: 'function', function: { name: 'read_file', arguments: CALL_ARGS } }] }, 'tool_calls'),
      expected: { content: null, reasoning_content: REASONING, tool_calls: [{ id: 'call_ol1', type: 'function', function: { name: 'read_file', arguments: CALL_ARGS } }], finish_reason: 'tool_calls' },
    };
  })(),
  (() => {
    const c = chunker({ model: 'gpt-oss-20b' });
    const timings = { prompt_n: 12, prompt_ms: 20.1, predicted_n: 30, predicted_ms: 300.5 };
    return {
      name: 'llama.cpp',
      server: 'llama.cpp server (--reasoning-format deepseek): reasoning_content deltas with content null, usage and timings on the finish chunk',
      sse: [
        c({ role: 'assistant', content: null }),
        ...pieces(REASONING).map((p) => c({ content: null, reasoning_content: p })),
        ...pieces(ANSWER).map((p) => c({ content: p })),
        c({}, 'stop', { usage: USAGE, timings }),
        '[DONE]',
      ].map(data),
      json: completion({ content: ANSWER, reasoning_content: REASONING }, 'stop', { timings }),
      expected: answered,
    };
  })(),
  (() => {
    const c = chunker({ id: 'gen-1760000000-abc', model: 'deepseek/deepseek-r1', choiceExtra: { native_finish_reason: null } });
    const details = (p: string): Record<string, unknown> => ({ role: 'assistant', content: '', reasoning: p, reasoning_details: [{ type: 'reasoning.text', text: p, format: 'unknown', index: 0 }] });
    return {
      name: 'openrouter',
      server: 'OpenRouter: ": OPENROUTER PROCESSING" comments while waiting, reasoning + reasoning_details, usage on the last chunk',
      sse: [
        ': OPENROUTER PROCESSING\n\n',
        ': OPENROUTER PROCESSING\n\n',
        ...pieces(REASONING).map((p) => data(c(details(p)))),
        ...pieces(ANSWER).map((p) => data(c({ role: 'assistant', content: p }))),
        data(c({ role: 'assistant', content: '' }, 'stop')),
        data({ ...usageChunk('gen-1760000000-abc', 'deepseek/deepseek-r1'), provider: 'Chutes' }),
        data('[DONE]'),
      ],
      json: completion({ content: ANSWER, reasoning: REASONING, refusal: null }, 'stop', { provider: 'Chutes' }),
      expected: answered,
    };
  })(),
  (() => {
    const c = chunker();
    const frame = (value: unknown): string => `event: message\r\nid: 7\r\ndata: ${JSON.stringify(value)}\r\n\r\n`;
    const pretty = JSON.stringify(c({ content: ANSWER.slice(8) }), null, 1).split('\n');
    return {
      name: 'relay-keepalive',
      server: 'Relays and proxies: empty data: keep-alives, CRLF line ends, event/id/retry fields, pretty-printed JSON over several data lines, frames split mid-line, a ping event, usage without choices',
      sse: [
        'retry: 3000\r\n\r\n',
        'data:\r\n\r\n',
        frame(c({ role: 'assistant', content: '', reasoning_content: REASONING.slice(0, 9) })),
        'data: \n\n',
        frame(c({ reasoning_content: REASONING.slice(9) })).slice(0, 30),
        frame(c({ reasoning_content: REASONING.slice(9) })).slice(30),
        frame(c({ content: ANSWER.slice(0, 8) })),
        `${pretty.map((l) => `data: ${l}`).join('\r\n')}\r\n\r\n`,
        ':\n\n',
        'event: ping\r\ndata: {"type":"ping"}\r\n\r\n',
        frame(c({}, 'stop')),
        // A usage report without `choices`.
        frame({ id: 'chatcmpl-dialect', object: 'chat.completion.chunk', created: 1_760_000_000, model: 'served-model', usage: USAGE }),
        'data: [DONE]\r\n\r\n',
      ],
      json: completion({ content: ANSWER, reasoning_content: REASONING }),
      expected: answered,
    };
  })(),
  (() => {
    const c = chunker({ extra: { usage: null } });
    return {
      name: 'sglang',
      server: 'SGLang with --reasoning-parser: reasoning_content with content null, usage null until a usage chunk',
      sse: [
        c({ role: 'assistant', content: null, reasoning_content: null, tool_calls: null }),
        ...pieces(REASONING).map((p) => c({ role: null, content: null, reasoning_content: p, tool_calls: null })),
        ...pieces(ANSWER).map((p) => c({ role: null, content: p, reasoning_content: null, tool_calls: null })),
        c({ role: null, content: null, reasoning_content: null, tool_calls: null }, 'stop', { matched_stop: 151645 }),
        usageChunk(),
        '[DONE]',
      ].map(data),
      json: completion({ content: ANSWER, reasoning_content: REASONING, tool_calls: null }),
      expected: answered,
    };
  })(),
  (() => {
    const c = chunker({ model: 'gemini-3-flash', noLogprobs: true });
    const signature = { google: { thought_signature: 'CiQB0e2Kb-sig' } };
    const calls = [
      { id: 'call_g1', type: 'function', function: { name: 'read_file', arguments: CALL_ARGS }, extra_content: signature },
      { id: 'call_g2', type: 'function', function: { name: 'list_dir', arguments: '{"path":"notes"}' } },
    ];
    return {
      name: 'gemini-no-index',
      server: "Gemini's OpenAI-compatible endpoint: tool-call deltas without index, extra_content.google.thought_signature on the call, finish_reason stop after calls",
      sse: [
        c({ role: 'assistant', tool_calls: [{ extra_content: signature, function: { arguments: '{"path":', name: 'read_file' }, id: 'call_g1', type: 'function' }] }),
        c({ tool_calls: [{ function: { arguments: '"notes/today.md"}' } }] }),
        c({ tool_calls: [{ function: { arguments: '{"path":"notes"}', name: 'list_dir' }, id: 'call_g2', type: 'function' }] }),
        c({}, 'stop'),
        usageChunk('chatcmpl-dialect', 'gemini-3-flash'),
        '[DONE]',
      ].map(data),
      json: completion({ content: null, tool_calls: calls }, 'stop'),
      expected: { content: null, tool_calls: calls, finish_reason: 'stop' },
    };
  })(),
  (() => {
    const c = chunker();
    return {
      name: 'done-without-finish',
      server: 'Servers and relays that end with [DONE] and never send a finish_reason (finish_reason null on every chunk)',
      sse: [c({ role: 'assistant', content: '' }), ...pieces(ANSWER).map((p) => c({ content: p })), usageChunk(), '[DONE]'].map(data),
      json: completion({ content: ANSWER }, null as unknown as string),
      expected: { content: ANSWER, finish_reason: 'stop' },
    };
  })(),
  (() => {
    const c = chunker();
    const call = { index: 0, id: 'call_d1', type: 'function', function: { name: 'read_file', arguments: CALL_ARGS } };
    return {
      name: 'done-without-finish-tool-calls',
      server: 'The same after tool calls: [DONE] implies tool_calls',
      sse: [c({ role: 'assistant', content: null }), c({ tool_calls: [call] }), '[DONE]'].map(data),
      json: completion({ content: null, tool_calls: [{ id: 'call_d1', type: 'function', function: { name: 'read_file', arguments: CALL_ARGS } }] }, null as unknown as string),
      expected: { content: null, tool_calls: [{ id: 'call_d1', type: 'function', function: { name: 'read_file', arguments: CALL_ARGS } }], finish_reason: 'tool_calls' },
    };
  })(),
  (() => {
    const c = chunker();
    return {
      name: 'finish-then-close',
      server: 'Servers that close the stream after the finish chunk without [DONE]',
      sse: [c({ role: 'assistant', content: '' }), ...pieces(ANSWER).map((p) => c({ content: p })), c({}, 'stop', { usage: USAGE })].map(data),
      json: completion({ content: ANSWER }),
      expected: { content: ANSWER, finish_reason: 'stop' },
    };
  })(),
  (() => {
    const c = chunker();
    const raw = `<think>\n${REASONING}\n</think>\n\n${ANSWER}`;
    return {
      name: 'empty-finish-reason',
      server: 'Servers that send finish_reason "" on unfinished chunks (and "[DONE] " with a trailing space), with think tags split across them',
      sse: [...[c({ role: 'assistant', content: '' }, ''), ...pieces(raw, 3).map((p) => c({ content: p }, '')), c({}, 'stop'), usageChunk()].map(data), 'data: [DONE] \n\n'],
      json: completion({ content: raw }),
      expected: { content: ANSWER, reasoning_content: `${REASONING}\n`, finish_reason: 'stop' },
    };
  })(),
  (() => {
    const c = chunker({ noLogprobs: true });
    return {
      name: 'no-role',
      server: 'Minimal servers that never send a role in their deltas (the SDK refuses to fold a choice without one)',
      sse: [...pieces(ANSWER).map((p) => c({ content: p })), c({}, 'stop'), '[DONE]'].map(data),
      json: completion({ content: ANSWER }),
      expected: { content: ANSWER, finish_reason: 'stop' },
    };
  })(),
];
