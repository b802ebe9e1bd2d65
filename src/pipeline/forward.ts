import { CompletionAssembler } from '../core/fold.js';
import type { ChatCompletion, ChatCompletionChunk } from '../core/types.js';
import { isRecord } from '../core/types.js';
import { GatewayError } from '../errors.js';
import type { UpstreamClient, UpstreamResponse } from '../upstream/client.js';
import { normaliseCompletion, StreamNormaliser, type ReasoningOutput } from '../upstream/normalise.js';
import { SseParser } from '../upstream/sse.js';

/**
 * Reading a chat upstream's answer, in its two forms. Both end with the same canonical answer (a stream is folded
 * as it passes), so caching and accounting see one shape whichever wire API the client speaks.
 */

export interface ForwardOptions {
  client: UpstreamClient;
  body: Record<string, unknown>;
  output: ReasoningOutput;
  signal: AbortSignal;
}

/** An upstream's JSON body (already 2xx); a 502 when it is not JSON, unless the request was aborted meanwhile. */
export async function readJsonBody(res: UpstreamResponse, opts: ForwardOptions): Promise<unknown> {
  try {
    return await res.body.json();
  } catch (err) {
    if (opts.signal.aborted) throw err;
    throw new GatewayError(502, `${opts.client.tier} upstream returned a body that is not JSON`, { code: 'upstream_malformed' });
  }
}

/** Reads and normalises a non-stream answer that has already answered 2xx (retries and fallback happen before). */
export async function readCompletion(res: UpstreamResponse, opts: ForwardOptions): Promise<ChatCompletion> {
  const parsed = await readJsonBody(res, opts);
  if (!isRecord(parsed) || !Array.isArray(parsed.choices)) {
    throw new GatewayError(502, `${opts.client.tier} upstream returned JSON that is not a chat completion`, { code: 'upstream_malformed' });
  }
  return normaliseCompletion(parsed as unknown as ChatCompletion, opts.output);
}

export interface StreamResult {
  completion: ChatCompletion;
  /** Every choice finished and the upstream said [DONE] (or closed cleanly after the finish): safe to cache. */
  complete: boolean;
  /** Set when the stream failed after it began; the caller tells the client through its encoder. */
  error: GatewayError | null;
}

/** Where a stream's canonical deltas go: the pipeline encodes them for the client's wire API. */
export interface DeltaSink {
  /** Called once, before the first delta: the upstream accepted the request. */
  start(): void;
  /** One normalised canonical delta; `raw` is the upstream's own JSON text when the delta was not changed. */
  delta(chunk: ChatCompletionChunk, raw: string | null): void;
  /** Called after each upstream read: write out what the deltas since the last flush encoded (backpressure). */
  flush(): Promise<void>;
}

/**
 * Reads a chat upstream's stream that has already answered 200 (errors before that are thrown by `client.chat`,
 * while the caller can still send a JSON error, retry or fall back): parses the SSE, normalises each chunk and folds
 * it into the canonical answer, handing each delta to the sink. From here on, failures are reported through the
 * result; the caller ends the client's stream.
 */
export async function readChatStream(res: UpstreamResponse, opts: ForwardOptions, sink: DeltaSink): Promise<StreamResult> {
  const normaliser = new StreamNormaliser(opts.output);
  const assembler = new CompletionAssembler();
  let sawDone = false;
  sink.start();

  const handle = (data: string): void => {
    if (data === '[DONE]') {
      sawDone = true;
      return;
    }
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
    // Unchanged chunks keep the upstream's own text: an adapter that speaks the upstream's format sends it as is.
    sink.delta(typed, changed ? null : data);
  };

  let error = await pumpEvents(res, opts, sink, handle);
  const finished = assembler.complete;
  if (error === null && !finished) {
    error = new GatewayError(502, `${opts.client.tier} upstream ended the stream before the answer was complete`, { code: 'upstream_stream_cut' });
  }
  return { completion: assembler.result(), complete: error === null && (sawDone || finished), error };
}

/**
 * Feeds an upstream's SSE body, event by event, to `handle`, flushing the sink after each read (backpressure). What
 * the client's API opens a stream with (Responses: response.created) is flushed first, not with the upstream's
 * first chunk: a reasoning upstream may think for a long time before it sends one. Returns the failure that ended
 * the stream (null when it ended cleanly); rethrows when the request was aborted. Shared by every upstream reader.
 */
export async function pumpEvents(res: UpstreamResponse, opts: ForwardOptions, sink: DeltaSink, handle: (data: string) => void): Promise<GatewayError | null> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  try {
    await sink.flush();
    for await (const buf of res.body) {
      for (const ev of parser.push(decoder.decode(buf as Buffer, { stream: true }))) handle(ev.data);
      await sink.flush();
    }
    for (const ev of parser.end()) handle(ev.data);
    await sink.flush();
    return null;
  } catch (err) {
    if (opts.signal.aborted) throw err;
    const error = err instanceof GatewayError ? err : opts.client.transportError(err);
    return error instanceof GatewayError ? error : new GatewayError(502, `${opts.client.tier} upstream stream failed`, { code: 'upstream_stream_error' });
  }
}
