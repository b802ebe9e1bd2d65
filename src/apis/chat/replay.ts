import { reasoningOf, type ChatCompletion, type ChatCompletionChunk, type ChunkDelta } from '../../core/types.js';
import type { ReasoningOutput } from '../../upstream/normalise.js';
import { SSE_DONE, sseData } from '../../upstream/sse.js';
import { splitText } from '../../core/split-text.js';

export { splitText };

/**
 * Replays a stored completion as the SSE stream an upstream would have sent: per choice a role chunk, reasoning
 * deltas, content deltas, tool-call deltas (id/name first, then argument pieces), refusal, a finish chunk (with
 * logprobs), then a usage chunk when asked, then `[DONE]`. Texts are split into pieces, never one chunk for the
 * whole answer, so clients that render deltas behave as they do on a live stream. Pure: returns the SSE text.
 */

export interface ReplayOptions {
  includeUsage: boolean;
  /** Field the client receives reasoning in (the stored answer may carry it in either). */
  output: ReasoningOutput;
  /** Characters per text delta. */
  pieceChars?: number;
}

export const DEFAULT_PIECE_CHARS = 64;

const sse = (chunk: ChatCompletionChunk): string => sseData(JSON.stringify(chunk));

/** Message fields replay emits itself; anything else an upstream added goes out on the role chunk. */
const HANDLED_MESSAGE_FIELDS: ReadonlySet<string> = new Set(['role', 'content', 'reasoning_content', 'reasoning', 'tool_calls', 'refusal']);

export function replayCompletion(completion: ChatCompletion, opts: ReplayOptions): string {
  const size = Math.max(1, opts.pieceChars ?? DEFAULT_PIECE_CHARS);
  const base: { id: string; object: 'chat.completion.chunk'; created: number; model: string; system_fingerprint?: string | null } = {
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
  };
  if (completion.system_fingerprint !== undefined) base.system_fingerprint = completion.system_fingerprint;
  const chunk = (index: number, delta: ChunkDelta, finish: string | null = null, logprobs: unknown = null): string =>
    sse({ ...base, choices: [{ index, delta, finish_reason: finish, logprobs }] });

  let out = '';
  for (const choice of completion.choices) {
    const { index, message } = choice;
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(message)) if (!HANDLED_MESSAGE_FIELDS.has(k) && v !== undefined && v !== null) extra[k] = v;
    // A tool-call-only answer has `content: null`; a live stream says so on its role chunk too.
    out += chunk(index, { role: 'assistant', content: typeof message.content === 'string' ? '' : null, ...extra });

    const reasoning = reasoningOf(message);
    if (reasoning !== '' && opts.output !== 'strip') {
      for (const piece of splitText(reasoning, size)) out += chunk(index, { [opts.output]: piece });
    }
    if (typeof message.content === 'string') {
      for (const piece of splitText(message.content, size)) out += chunk(index, { content: piece });
    }
    (message.tool_calls ?? []).forEach((call, callIndex) => {
      // Fields beyond id/type/function (a provider's own, e.g. Gemini's extra_content) go out on the first delta.
      out += chunk(index, { tool_calls: [{ ...call, index: callIndex, function: { name: call.function.name, arguments: '' } }] });
      for (const piece of splitText(call.function.arguments, size)) {
        out += chunk(index, { tool_calls: [{ index: callIndex, function: { arguments: piece } }] });
      }
    });
    if (typeof message.refusal === 'string' && message.refusal !== '') {
      for (const piece of splitText(message.refusal, size)) out += chunk(index, { refusal: piece });
    }
    out += chunk(index, {}, choice.finish_reason, choice.logprobs ?? null);
  }
  if (opts.includeUsage && completion.usage) out += sse({ ...base, choices: [], usage: completion.usage });
  return out + SSE_DONE;
}
