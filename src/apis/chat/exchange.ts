import type { Exchange } from '../../pipeline/adapter.js';
import type { ReasoningOutput } from '../../upstream/normalise.js';
import type { ChatRequest } from './schema.js';
import { ChatStreamEncoder } from './encode.js';
import { replayCompletion } from './replay.js';

/**
 * The Chat Completions adapter's exchange: the validated request is already the canonical one (the canonical
 * shape is Chat Completions'), answers go out as they are, streams chunk by chunk.
 */
export function chatExchange(chat: ChatRequest, output: ReasoningOutput): Exchange {
  const includeUsage = chat.stream_options?.include_usage === true;
  return {
    api: 'chat',
    canonical: chat,
    json: (answer) => answer,
    // The stored text is the answer's own JSON: sent as it is, never parsed and serialised again.
    storedJson: (text) => text,
    stream: () => new ChatStreamEncoder(includeUsage),
    replay: (answer) => replayCompletion(answer, { includeUsage, output }),
  };
}
