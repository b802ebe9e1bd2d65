import { CompletionAssembler } from '../core/fold.js';
import type { ChatCompletion, ChatCompletionChunk } from '../core/types.js';
import { isRecord } from '../core/types.js';
import { GatewayError } from '../errors.js';
import { contentTypeOf, type UpstreamClient, type UpstreamResponse } from '../upstream/client.js';
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
    if (!(err instanceof SyntaxError)) throw opts.client.bodyError(err, 'response');
    throw new GatewayError(502, `${opts.client.tier} upstream returned a body that is not JSON`, { code: 'upstream_malformed' });
  }
}

/** An upstream's parsed JSON answer as a chat completion; a 502 when it is not one. */
function asCompletion(parsed: unknown, opts: ForwardOptions): ChatCompletion {
  if (!isRecord(parsed) || !Array.isArray(parsed.choices)) {
    throw new GatewayError(502, `${opts.client.tier} upstream returned JSON that is not a chat completion`, { code: 'upstream_malformed' });
  }
  return parsed as unknown as ChatCompletion;
}

/** Reads and normalises a non-stream answer that has already answered 2xx (retries and fallback happen before). */
export async function readCompletion(res: UpstreamResponse, opts: ForwardOptions): Promise<ChatCompletion> {
  return normaliseCompletion(asCompletion(await readJsonBody(res, opts), opts), opts.output, opts.client.config.thinkTags);
}

/** The answer is one JSON body, not an event stream (a server that does not stream, or not this request). */
const isJsonAnswer = (res: UpstreamResponse): boolean => contentTypeOf(res).includes('application/json');

/**
 * A whole completion as the chunks a stream of it would hold: per choice one chunk with the whole message as its
 * delta (tool calls indexed) and its finish_reason, then the usage chunk. Clients fold whole-message deltas as they
 * fold small ones.
 */
function completionChunks(completion: ChatCompletion): ChatCompletionChunk[] {
  const base = { id: completion.id, object: 'chat.completion.chunk' as const, created: completion.created, model: completion.model };
  const chunks: ChatCompletionChunk[] = completion.choices.map((choice) => {
    const { tool_calls: calls, ...message } = choice.message;
    const delta = calls === undefined ? message : { ...message, tool_calls: calls.map((call, index) => ({ index, ...call })) };
    return { ...base, choices: [{ index: choice.index, delta, finish_reason: choice.finish_reason, logprobs: choice.logprobs ?? null }] };
  });
  if (isRecord(completion.usage)) chunks.push({ ...base, choices: [], usage: completion.usage });
  return chunks;
}

export interface StreamResult {
  completion: ChatCompletion;
  /**
   * The upstream gave a completion signal: `[DONE]`, or a `finish_reason` on every choice (a close, reset or stall
   * after it changes nothing). Safe to cache.
   */
  complete: boolean;
  /** `[DONE]` came while choices were open: the gateway sent the finish chunk it implies (log line: finishSynthesised). */
  finishSynthesised: boolean;
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
  const normaliser = new StreamNormaliser(opts.output, opts.client.config.thinkTags);
  const assembler = new CompletionAssembler();
  let sawDone = false;
  sink.start();

  /** Normalises a chunk, folds it and hands it on; `raw` is its text when it may go out unchanged. */
  const pass = (chunk: ChatCompletionChunk, raw: string | null): void => {
    const changed = normaliser.apply(chunk);
    assembler.add(chunk);
    // Unchanged single-line chunks keep the upstream's own text: an adapter that speaks the upstream's format sends
    // it as is. Data that spanned several `data:` lines is re-serialised, so what goes out is one valid SSE field.
    sink.delta(chunk, changed || raw === null || raw.includes('\n') ? null : raw);
  };

  const handle = (data: string, event: string | undefined): void => {
    // After [DONE] nothing more belongs to the answer.
    if (sawDone) return;
    // As the SDK reads it: `[DONE]` followed by anything (a trailing space) is still the end.
    if (data.startsWith('[DONE]')) {
      sawDone = true;
      return;
    }
    // An empty `data:` (a keep-alive some relays send) carries no chunk.
    if (data.trim() === '') return;
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      if (event === 'error') throw new GatewayError(502, opts.client.redact(`${opts.client.tier} upstream: ${data.slice(0, 500)}`), { code: 'upstream_stream_error' });
      throw new GatewayError(502, `${opts.client.tier} upstream sent a stream event that is not JSON`, { code: 'upstream_malformed' });
    }
    if (!isRecord(chunk)) throw new GatewayError(502, `${opts.client.tier} upstream sent a malformed stream event`, { code: 'upstream_malformed' });
    // An error, as `{"error": {…}}` or as an `event: error` whose data is the error itself.
    if (isRecord(chunk.error) || event === 'error') {
      const e = isRecord(chunk.error) ? chunk.error : chunk;
      throw new GatewayError(502, opts.client.redact(`${opts.client.tier} upstream: ${typeof e.message === 'string' ? e.message : 'stream error'}`), {
        code: typeof e.code === 'string' ? e.code : 'upstream_stream_error',
      });
    }
    if (!Array.isArray(chunk.choices)) {
      // Not a chat chunk (a relay's ping): clients index `choices`, so it is not passed on. A usage report
      // without `choices` is given the empty list OpenAI's usage chunk has.
      if (!isRecord(chunk.usage)) return;
      chunk.choices = [];
      pass(chunk as unknown as ChatCompletionChunk, null);
      return;
    }
    pass(chunk as unknown as ChatCompletionChunk, data);
  };

  const hooks: PumpHooks = {
    handle,
    stopped: () => sawDone,
    complete: () => sawDone || assembler.complete,
    partial: () => normaliser.finish(assembler.result()),
  };
  const error = isJsonAnswer(res) ? await passJsonAnswer(res, opts, sink, hooks) : await pumpEvents(res, opts, sink, hooks);

  // [DONE] completes the answer: the finish_reason the upstream left out is sent before the client's [DONE], so
  // the live stream and the replay from the cache agree.
  let finishSynthesised = false;
  let failure = error;
  if (failure === null && sawDone && !assembler.complete) {
    const finish = assembler.finishChunk();
    if (finish !== null) {
      pass(finish, null);
      finishSynthesised = true;
    }
  }
  await sink.flush();

  const finished = assembler.complete;
  if (failure === null && !finished) {
    failure = new GatewayError(
      502,
      assembler.chunkCount === 0
        ? `${opts.client.tier} upstream ended the stream without an answer`
        : `${opts.client.tier} upstream ended the stream before the answer was complete`,
      { code: 'upstream_stream_cut' },
    );
  }
  return { completion: normaliser.finish(assembler.result()), complete: failure === null, finishSynthesised, error: failure };
}

/**
 * Thrown by a stream reader when the request was aborted (the client went away) after the stream began: carries
 * what the upstream had produced until then, because the upstream bills those tokens and the ledger counts them.
 */
export class StreamAborted extends Error {
  constructor(
    readonly completion: ChatCompletion,
    cause: unknown,
  ) {
    super('the request was aborted during the stream', { cause });
    this.name = 'StreamAborted';
  }
}

/** How an upstream reader takes part in pumping its stream. */
export interface PumpHooks {
  /** One SSE event's data (and its `event:` field when the upstream named one). May throw a `GatewayError`. */
  handle(data: string, event: string | undefined): void;
  /** True once the answer is complete and nothing more is needed: reading stops, the rest is drained. */
  stopped(): boolean;
  /** True once a completion signal has arrived: a transport failure after it loses nothing of the answer. */
  complete(): boolean;
  /** The answer folded so far (for `StreamAborted`). */
  partial(): ChatCompletion;
}

/**
 * Feeds an upstream's SSE body, event by event, to `hooks.handle`, flushing the sink after each read
 * (backpressure). What the client's API opens a stream with (Responses: response.created) is flushed first, not
 * with the upstream's first chunk: a reasoning upstream may think for a long time before it sends one. Returns the
 * failure that ended the stream (null when it ended cleanly); throws `StreamAborted` when the request was aborted. Shared by
 * every upstream reader. SSE framing per the WHATWG HTML "server-sent events" section (src/upstream/sse.ts).
 */
export async function pumpEvents(res: UpstreamResponse, opts: ForwardOptions, sink: DeltaSink, hooks: PumpHooks): Promise<GatewayError | null> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  try {
    await sink.flush();
    const reads = res.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    for (let read = await reads.next(); !read.done; read = await reads.next()) {
      for (const ev of parser.push(decoder.decode(read.value, { stream: true }))) hooks.handle(ev.data, ev.event);
      await sink.flush();
      if (hooks.stopped()) {
        // The answer is complete: the client is not kept waiting for a server that holds the connection open.
        // The rest is read and dropped in the background, so the connection can still be reused.
        void drain(reads, res.body);
        return null;
      }
    }
    for (const ev of parser.end()) hooks.handle(ev.data, ev.event);
    await sink.flush();
    return null;
  } catch (err) {
    if (opts.signal.aborted) throw new StreamAborted(hooks.partial(), err);
    // A transport failure (cut, reset, stall) after the completion signal loses nothing of the answer.
    if (!(err instanceof GatewayError) && hooks.complete()) return null;
    const error = err instanceof GatewayError ? err : opts.client.bodyError(err, 'stream');
    return error instanceof GatewayError ? error : new GatewayError(502, `${opts.client.tier} upstream stream failed`, { code: 'upstream_stream_error' });
  }
}

/**
 * A stream request answered with one JSON completion: its chunks go through the stream's own event handling, as if
 * streamed, then `[DONE]`. A body that is not a completion ends the stream with the non-stream path's 502.
 */
async function passJsonAnswer(res: UpstreamResponse, opts: ForwardOptions, sink: DeltaSink, hooks: PumpHooks): Promise<GatewayError | null> {
  try {
    await sink.flush();
    for (const chunk of completionChunks(asCompletion(await readJsonBody(res, opts), opts))) hooks.handle(JSON.stringify(chunk), undefined);
    hooks.handle('[DONE]', undefined);
    await sink.flush();
    return null;
  } catch (err) {
    if (opts.signal.aborted) throw new StreamAborted(hooks.partial(), err);
    if (err instanceof GatewayError) return err;
    throw err;
  }
}

/**
 * How long the rest of a response is read after `[DONE]` before the connection is closed instead. A server ends
 * its response right after `[DONE]`; one that keeps it open (a relay pinging with SSE comments never goes idle)
 * would otherwise hold a pooled connection for good, and enough of them take the whole pool.
 */
const DRAIN_GRACE_MS = 1_000;

/** Reads what an upstream sends after `[DONE]` and drops it; its failures no longer matter to anyone. */
async function drain(reads: AsyncIterator<Buffer>, body: UpstreamResponse['body']): Promise<void> {
  const timer = setTimeout(() => body.destroy(), DRAIN_GRACE_MS);
  timer.unref();
  try {
    while (!(await reads.next()).done);
  } catch {
    // The answer was complete before this: a late reset, stall or the grace running out changes nothing.
  } finally {
    clearTimeout(timer);
  }
}
