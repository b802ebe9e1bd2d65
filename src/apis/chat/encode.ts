import type { ChatCompletionChunk } from '../../core/types.js';
import type { GatewayError } from '../../errors.js';
import type { StreamEncoder } from '../../pipeline/adapter.js';
import { SSE_DONE, sseData } from '../../upstream/sse.js';

/**
 * Chat Completions' event stream: each canonical delta is a `chat.completion.chunk` sent as one SSE `data:` field,
 * closed by `data: [DONE]`; a failure after the stream began is a final `data: {"error":…}` event, as OpenAI sends.
 * Source: OpenAI API reference, "Streaming" for Chat Completions.
 */


export class ChatStreamEncoder implements StreamEncoder {
  /** `includeUsage`: the client's `stream_options.include_usage`; without it the usage-only chunk is not sent. */
  constructor(private readonly includeUsage: boolean) {}

  start(): string {
    return '';
  }

  chunk(chunk: ChatCompletionChunk, raw: string | null): string {
    // The gateway always asks a streaming upstream for usage (accounting needs it); the client gets it only if asked.
    if (!this.includeUsage && chunk.usage && Array.isArray(chunk.choices) && chunk.choices.length === 0) return '';
    // Unchanged chunks go out as the upstream's own bytes: no re-serialisation on the hot path.
    return sseData(raw ?? JSON.stringify(chunk));
  }

  end(): string {
    return SSE_DONE;
  }

  fail(error: GatewayError): string {
    return sseData(JSON.stringify(error.toJSON()));
  }
}
