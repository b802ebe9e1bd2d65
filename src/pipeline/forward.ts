import { CompletionAssembler } from '../core/fold.js';
import type { ChatCompletion, ChatCompletionChunk } from '../core/types.js';
import { isRecord } from '../core/types.js';
import { GatewayError } from '../errors.js';
import type { UpstreamClient, UpstreamResponse } from '../upstream/client.js';
import { normaliseCompletion, StreamNormaliser, type ReasoningOutput } from '../upstream/normalise.js';
import { SSE_DONE, SseParser, sseData } from '../upstream/sse.js';

/**
 * The last step of a chat request, in its two forms. Both end with the same completion object
 * (a stream is folded as it passes), so caching and accounting see one shape.
 */

export interface ForwardOptions {
  client: UpstreamClient;
  body: Record<string, unknown>;
  output: ReasoningOutput;
  signal: AbortSignal;
}

/** Reads and normalises a non-stream answer that has already answered 2xx (retries and fallback happen before). */
export async function readCompletion(res: UpstreamResponse, opts: ForwardOptions): Promise<ChatCompletion> {
  let parsed: unknown;
  try {
    parsed = await res.body.json();
  } catch (err) {
    if (opts.signal.aborted) throw err;
    if (!(err instanceof SyntaxError)) throw opts.client.bodyError(err, 'response');
    throw new GatewayError(502, `${opts.client.tier} upstream returned a body that is not JSON`, { code: 'upstream_malformed' });
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.choices)) {
    throw new GatewayError(502, `${opts.client.tier} upstream returned JSON that is not a chat completion`, { code: 'upstream_malformed' });
  }
  return normaliseCompletion(parsed as unknown as ChatCompletion, opts.output, opts.client.config.thinkTags);
}

export interface StreamResult {
  completion: ChatCompletion;
  /** Every choice finished and the upstream said [DONE] (or closed cleanly after the finish): safe to cache. */
  complete: boolean;
  /** Set when the stream failed after it began; the client got an SSE error event. */
  error: GatewayError | null;
}

export interface StreamSink {
  /** Called once, before the first write: the upstream accepted the request. */
  start(): void;
  write(text: string): Promise<void>;
}

const errorEvent = (err: GatewayError): string => sseData(JSON.stringify(err.toJSON()));

/**
 * Pipes an upstream stream that has already answered 200 (errors before that are thrown by `client.chat`, while
 * the caller can still send a JSON error, retry or fall back). From here on, failures are reported through the
 * result and, to the client, as a final SSE error event.
 */
export async function pipeStream(
  res: UpstreamResponse,
  opts: ForwardOptions & { includeUsage: boolean },
  sink: StreamSink,
): Promise<StreamResult> {
  const parser = new SseParser();
  const normaliser = new StreamNormaliser(opts.output, opts.client.config.thinkTags);
  const assembler = new CompletionAssembler();
  const decoder = new TextDecoder();
  let sawDone = false;
  let error: GatewayError | null = null;
  sink.start();

  const handle = (data: string): string => {
    if (data === '[DONE]') {
      sawDone = true;
      return '';
    }
    // An empty `data:` (a keep-alive some relays send) carries no chunk.
    if (data.trim() === '') return '';
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      throw new GatewayError(502, `${opts.client.tier} upstream sent a stream event that is not JSON`, { code: 'upstream_malformed' });
    }
    if (!isRecord(chunk)) throw new GatewayError(502, `${opts.client.tier} upstream sent a malformed stream event`, { code: 'upstream_malformed' });
    if (isRecord(chunk.error)) {
      const e = chunk.error;
      throw new GatewayError(502, opts.client.redact(`${opts.client.tier} upstream: ${typeof e.message === 'string' ? e.message : 'stream error'}`), {
        code: typeof e.code === 'string' ? e.code : 'upstream_stream_error',
      });
    }
    const typed = chunk as unknown as ChatCompletionChunk;
    const changed = normaliser.apply(typed);
    assembler.add(typed);
    if (!opts.includeUsage && typed.usage && Array.isArray(typed.choices) && typed.choices.length === 0) return '';
    // Unchanged chunks go out as the upstream's own bytes: no re-serialisation on the hot path.
    return changed ? sseData(JSON.stringify(typed)) : sseData(data);
  };

  try {
    for await (const buf of res.body) {
      let out = '';
      for (const ev of parser.push(decoder.decode(buf as Buffer, { stream: true }))) out += handle(ev.data);
      await sink.write(out);
    }
    let tail = '';
    for (const ev of parser.end()) tail += handle(ev.data);
    await sink.write(tail);
  } catch (err) {
    if (opts.signal.aborted) throw err;
    error = err instanceof GatewayError ? err : (opts.client.bodyError(err, 'stream') as GatewayError);
    if (!(error instanceof GatewayError)) error = new GatewayError(502, `${opts.client.tier} upstream stream failed`, { code: 'upstream_stream_error' });
  }

  const finished = assembler.complete;
  if (error === null && !finished) {
    error = new GatewayError(502, `${opts.client.tier} upstream ended the stream before the answer was complete`, { code: 'upstream_stream_cut' });
  }
  await sink.write(error === null ? SSE_DONE : errorEvent(error));
  return { completion: normaliser.finish(assembler.result()), complete: error === null && (sawDone || finished), error };
}
