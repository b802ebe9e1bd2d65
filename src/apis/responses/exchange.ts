import type { ChatCompletion, ChatCompletionChunk } from '../../core/types.js';
import type { GatewayError } from '../../errors.js';
import type { AnswerMeta, Exchange, StreamEncoder } from '../../pipeline/adapter.js';
import type { CanonicalRequest, ReasoningEffort } from '../../core/conversation.js';
import { applyParams, effortFor } from '../../upstream/adapt.js';
import type { UpstreamClient } from '../../upstream/client.js';
import type { ReasoningOutput } from '../../upstream/normalise.js';
import { ResponseEncoder } from './events.js';
import { answerResponse, replayAnswer } from './replay.js';
import { newContext, type ResponseContext } from './response.js';
import type { MappedRequest } from './request.js';
import { KNOWN_FIELDS, type AnyInputItem, type ResponsesRequest } from './schema.js';
import { storedInput } from './state.js';
import type { ResponsesStore } from './store.js';
import type { ResponseObject } from './types.js';

/**
 * The Responses adapter's exchange with the pipeline: the canonical request, and the means to answer in the
 * Responses API's JSON and events. A response the client asked to store (`store`, default true) is written before
 * the answer (or `response.completed`) goes out, so a follow-up naming it at once finds it.
 */

export interface ResponsesExchangeInput {
  request: ResponsesRequest;
  mapped: MappedRequest;
  /** The conversation before this request (rebuilt from `previous_response_id`), empty without one. */
  history: AnyInputItem[];
  store: ResponsesStore;
  tenant: string;
  reasoningOutput: ReasoningOutput;
  /** Whether any upstream is a chat one (tools may be dropped on the way). */
  bridged: boolean;
}

/** Fields of the request that are the gateway's own business, never forwarded to a native upstream. */
const NOT_FORWARDED: ReadonlySet<string> = new Set(['previous_response_id', 'conversation', 'background', 'prompt', 'store', 'stream', 'model', 'input']);

/** Whether a folded answer carries what a cached canonical answer would lose (see upstream/responses-reader.ts). */
const carriesExtras = (answer: ChatCompletion): boolean => {
  const m = answer.choices[0]?.message;
  return m !== undefined && (m.reasoning_encrypted_content !== undefined || m.responses_items !== undefined);
};

/**
 * The conversation as a native upstream receives it with `store: false`: a reasoning item can only be used there
 * through its `encrypted_content` (one sent by id alone is a 404: nothing was persisted), so those without it are
 * left out, as history hygiene leaves raw reasoning out of a chat conversation. No item keeps its `id` either: an
 * id is a reference to a stored item, and with nothing stored OpenAI has been reported to answer ids it does not
 * hold with that 404 for other items too (ids the gateway gave items the chat tier answered, ids of the upstream's
 * own unstored output); Codex never sends ids, and `call_id` still pairs calls and outputs.
 */
function nativeInput(items: readonly AnyInputItem[]): AnyInputItem[] {
  return items
    .filter((item) => item.type !== 'reasoning' || typeof item.encrypted_content === 'string')
    .map((item) => {
      if (!('id' in item)) return item;
      const { id: _id, ...rest } = item as AnyInputItem & { id?: unknown };
      return rest as AnyInputItem;
    });
}

class ResponsesStreamEncoder implements StreamEncoder {
  readonly encoder: ResponseEncoder;

  constructor(
    ctx: ResponseContext,
    private readonly persist: (response: ResponseObject, meta: AnswerMeta) => Promise<void>,
  ) {
    this.encoder = new ResponseEncoder(ctx);
  }

  start(meta: AnswerMeta): string {
    return this.encoder.start(meta.createdAt, meta.upstreamModel);
  }

  chunk(chunk: ChatCompletionChunk): string {
    return this.encoder.chunk(chunk);
  }

  async end(answer: ChatCompletion, meta: AnswerMeta): Promise<string> {
    const { response, text } = this.encoder.finish(answer.choices[0]?.finish_reason, answer.usage);
    await this.persist(response, meta);
    return text + this.encoder.completed(response);
  }

  fail(error: GatewayError): string {
    return this.encoder.fail(error.status, error.message);
  }
}

/**
 * One request's exchange. perf: a class (its methods on the prototype), not an object of closures made per request.
 */
class ResponsesExchange implements Exchange {
  readonly api = 'responses' as const;
  readonly canonical: CanonicalRequest;
  readonly context: ResponseContext;
  readonly headers: Record<string, string> | undefined;
  readonly droppedTools: string[] | undefined;
  /** The JSON answer carried what the cache cannot hold. */
  private lossy = false;
  private live: ResponsesStreamEncoder | null = null;

  constructor(private readonly input: ResponsesExchangeInput) {
    const { request, mapped } = input;
    this.canonical = mapped.canonical;
    this.context = newContext(request, mapped.tools, input.reasoningOutput, input.bridged);
    const dropped = input.bridged ? mapped.tools.dropped : [];
    this.headers = dropped.length > 0 ? { 'x-thinkgate-dropped-tools': dropped.join(', ') } : undefined;
    this.droppedTools = dropped.length > 0 ? dropped : undefined;
  }

  /** Stores the response (unless `store: false`); resolves once written. */
  readonly persist = async (response: ResponseObject, meta: AnswerMeta): Promise<void> => {
    const { request, history, store, tenant } = this.input;
    if (request.store === false) return;
    await store.put(tenant, this.context.id, { response, history, input: storedInput(request.input, this.context.seed), route: meta.decision.route });
  };

  /** The answer as a `Response`; a promise only when it is stored first (perf: `store: false` takes no microtask hop). */
  json(answer: ChatCompletion, meta: AnswerMeta): ResponseObject | Promise<ResponseObject> {
    this.lossy = carriesExtras(answer);
    const response = answerResponse(answer, this.context, meta.createdAt, meta.upstreamModel);
    if (this.input.request.store === false) return response;
    return this.persist(response, meta).then(() => response);
  }

  stream(): StreamEncoder {
    this.live = new ResponsesStreamEncoder(this.context, this.persist);
    return this.live;
  }

  replay(answer: ChatCompletion, meta: AnswerMeta): Promise<string> {
    return replayAnswer(answer, this.context, meta.createdAt, meta.upstreamModel, (response) => this.persist(response, meta));
  }

  cacheable(answer: ChatCompletion): boolean {
    return !(this.lossy || this.live?.encoder.lossy === true || carriesExtras(answer));
  }

  nativeBody(client: UpstreamClient, effort: ReasoningEffort | undefined, stream: boolean): Record<string, unknown> {
    const { request, history } = this.input;
    const body: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(request)) {
      if (KNOWN_FIELDS.has(key) && !NOT_FORWARDED.has(key) && value !== undefined && value !== null) body[key] = value;
    }
    body.model = client.model;
    // The gateway keeps the conversation: the upstream gets all of it and keeps nothing, so a follow-up routed to
    // the other tier loses nothing.
    body.input = nativeInput(history.length === 0 ? request.input : [...history, ...request.input]);
    body.store = false;
    if (stream) body.stream = true;
    const { effort: _clientEffort, ...reasoning } = request.reasoning ?? {};
    const sent = effortFor(client.config, effort);
    if (sent !== undefined) body.reasoning = { ...reasoning, effort: sent };
    else if (Object.keys(reasoning).length > 0) body.reasoning = reasoning;
    else delete body.reasoning;
    return applyParams(body, client.config.params);
  }
}

export const responsesExchange = (input: ResponsesExchangeInput): Exchange & { context: ResponseContext } => new ResponsesExchange(input);
