import type { Api, CanonicalRequest, ReasoningEffort } from '../core/conversation.js';
import type { ChatCompletion, ChatCompletionChunk } from '../core/types.js';
import type { GatewayError } from '../errors.js';
import type { RouteDecision } from '../routing/decide.js';
import type { UpstreamClient } from '../upstream/client.js';

/**
 * The seam between the API-neutral pipeline and a wire API's adapter. An adapter validates and maps its request
 * to a `CanonicalRequest`, then hands the pipeline an `Exchange`: the canonical request plus the means to encode
 * canonical answers and deltas in its own wire format. The pipeline never looks at a wire format itself.
 */

/** What an adapter knows of a request once it is decided; handed to every encoding call. */
export interface AnswerMeta {
  requestId: string;
  tenant: string;
  decision: RouteDecision;
  /** The model that served (the other tier's after a fallback). */
  upstreamModel: string;
  /** Unix seconds when the request arrived. */
  createdAt: number;
}

/** Turns canonical deltas into one wire API's SSE text, for one request. */
export interface StreamEncoder {
  /** Text sent once the upstream has answered 2xx, so the headers are final ('' when the API has no opening event). */
  start(meta: AnswerMeta): string;
  /**
   * One canonical delta, already normalised (reasoning in one field, think tags split out). `raw` is the upstream's
   * own JSON text when the pipeline did not change the chunk: an adapter whose format is the upstream's may send it as is.
   */
  chunk(chunk: ChatCompletionChunk, raw: string | null): string;
  /**
   * The stream completed; `answer` is the folded canonical answer. May be async (a stored response must be written
   * before the event that announces completion). Returns the closing text.
   */
  end(answer: ChatCompletion, meta: AnswerMeta): string | Promise<string>;
  /** The stream failed after it began: the closing text that tells the client so. */
  fail(error: GatewayError, partial: ChatCompletion, meta: AnswerMeta): string;
}

/** One request as an adapter hands it to the pipeline. */
export interface Exchange {
  api: Api;
  canonical: CanonicalRequest;
  /** The answer as this API's JSON body (an object, or text already serialised). May be async. */
  json(answer: ChatCompletion, meta: AnswerMeta): unknown;
  /**
   * A stored answer as this API's JSON body, given the stored text; chat sends the text as it is. Absent: `json`
   * of the parsed answer.
   */
  storedJson?(text: string, answer: () => ChatCompletion, meta: AnswerMeta): unknown;
  /** A fresh live-stream encoder for this request. */
  stream(): StreamEncoder;
  /** A cached answer replayed as this API's SSE text. May be async. */
  replay(answer: ChatCompletion, meta: AnswerMeta): string | Promise<string>;
  /** false: serve the answer but do not store it in the result cache (output the canonical answer cannot hold). */
  cacheable?(answer: ChatCompletion): boolean;
  /**
   * The body for an upstream whose `api` is `responses` (native forwarding). Absent: the pipeline adapts the
   * canonical request for a chat upstream.
   */
  nativeBody?(client: UpstreamClient, effort: ReasoningEffort | undefined, stream: boolean): Record<string, unknown>;
  /** Extra response headers for this request (e.g. `x-thinkgate-dropped-tools`). */
  headers?: Record<string, string> | undefined;
  /** Tools the adapter dropped because the upstream's API cannot express them: named in the log line. */
  droppedTools?: string[] | undefined;
}
