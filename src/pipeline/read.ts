import type { ChatCompletion } from '../core/types.js';
import type { UpstreamResponse } from '../upstream/client.js';
import { readResponsesAnswer, readResponsesStream } from '../upstream/responses-reader.js';
import { readChatStream, readCompletion, type DeltaSink, type ForwardOptions, type StreamResult } from './forward.js';

/**
 * Reading an upstream's answer into the canonical shape, chosen by the wire API the upstream speaks
 * (`upstreams.<tier>.api`). Each reader turns its format into canonical deltas and one folded canonical answer.
 */
export interface UpstreamReader {
  answer(res: UpstreamResponse, opts: ForwardOptions): Promise<ChatCompletion>;
  stream(res: UpstreamResponse, opts: ForwardOptions, sink: DeltaSink): Promise<StreamResult>;
}

const chatReader: UpstreamReader = { answer: readCompletion, stream: readChatStream };

const responsesReader: UpstreamReader = { answer: readResponsesAnswer, stream: readResponsesStream };

const readerFor = (opts: ForwardOptions): UpstreamReader => (opts.client.config.api === 'responses' ? responsesReader : chatReader);

/** A non-stream answer that has answered 2xx, as the canonical answer. */
export const readUpstreamAnswer = (res: UpstreamResponse, opts: ForwardOptions): Promise<ChatCompletion> => readerFor(opts).answer(res, opts);

/** A stream that has answered 2xx, its deltas handed to `sink`, folded into the canonical answer. */
export const readUpstreamStream = (res: UpstreamResponse, opts: ForwardOptions, sink: DeltaSink): Promise<StreamResult> => readerFor(opts).stream(res, opts, sink);
