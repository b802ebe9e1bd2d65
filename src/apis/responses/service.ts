import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config/schema.js';
import { GatewayError } from '../../errors.js';
import { estimateUsage } from '../../savings/tokens.js';
import type { Exchange } from '../../pipeline/adapter.js';
import { responsesExchange } from './exchange.js';
import { toCanonical, type MappedRequest } from './request.js';
import type { AnyInputItem, ResponsesRequest } from './schema.js';
import type { ResponseContext } from './response.js';
import { conversationOf, loadResponse } from './state.js';
import { MemoryResponsesStore, RedisResponsesStore, type ResponsesStore } from './store.js';
import { validateResponsesRequest } from './validate.js';

/**
 * The Responses API's endpoints as plain functions over the store (the route file only binds them to paths):
 * preparing a `POST /v1/responses` for the pipeline, and the stored-response endpoints.
 */

/** The store `buildApp` keeps for stored responses: Redis when the cache's store is Redis, else memory. */
export async function createResponsesStore(config: Config, log: FastifyBaseLogger): Promise<ResponsesStore> {
  const kind = config.cache.store ?? (config.redis.url !== undefined ? 'redis' : 'memory');
  if (kind === 'redis' && config.redis.url !== undefined) {
    const store = new RedisResponsesStore({
      url: config.redis.url,
      keyPrefix: `${config.redis.keyPrefix}responses:`,
      ttlSeconds: config.responses.ttlSeconds,
      commandTimeoutMs: Math.max(config.cache.redisTimeoutMs, 1_000),
      log,
    });
    if (!(await store.waitReady(1_000))) log.warn('responses: redis not reachable at startup; stored responses are unavailable until it is');
    return store;
  }
  return new MemoryResponsesStore(config.responses.maxBytes, config.responses.ttlSeconds);
}

export interface PrepareOptions {
  store: ResponsesStore;
  tenant: string;
  config: Config;
  /** Whether any upstream speaks Chat Completions (Responses requests to it are bridged). */
  bridged: boolean;
  log: FastifyBaseLogger;
}

/** A request validated and mapped, with its conversation rebuilt: what the prepared-request memo may remember. */
export interface PreparedResponse {
  request: ResponsesRequest;
  mapped: MappedRequest;
  history: AnyInputItem[];
}

/**
 * Validates a `POST /v1/responses` body and rebuilds its conversation (`previous_response_id`). A promise only when
 * a stored response has to be read (perf: a request without one takes no microtask hop). Throws (or rejects with) a
 * 400 naming the field, or a 404 for an unknown `previous_response_id`.
 */
export function prepareResponse(body: unknown, opts: PrepareOptions): PreparedResponse | Promise<PreparedResponse> {
  const request = validateResponsesRequest(body);
  if (request.unknownFields.length > 0) opts.log.debug({ fields: request.unknownFields }, 'responses: unknown request fields ignored');
  const history = historyOf(request, opts);
  return history instanceof Promise ? history.then((h) => mapPrepared(request, h, opts)) : mapPrepared(request, history, opts);
}

/**
 * The conversation before this request: the one `previous_response_id` names, read from the store (a 404 when it is
 * unknown to the tenant), or none — without a promise when there is nothing to read.
 */
function historyOf(request: ResponsesRequest, opts: PrepareOptions): AnyInputItem[] | Promise<AnyInputItem[]> {
  const previous = request.previous_response_id;
  if (typeof previous !== 'string') return [];
  return loadResponse(opts.store, opts.tenant, previous, 'previous_response_id').then(conversationOf);
}

function mapPrepared(request: ResponsesRequest, history: AnyInputItem[], opts: PrepareOptions): PreparedResponse {
  const mapped = toCanonical(request, history);
  if (mapped.canonical.messages.length === 0) {
    throw new GatewayError(400, "Invalid value for 'input': there is no message to answer.", { param: 'input', code: 'invalid_value' });
  }
  if (mapped.skippedItems.length > 0 && opts.bridged) opts.log.debug({ items: mapped.skippedItems }, 'responses: input items a chat upstream cannot take left out');
  return { request, mapped, history };
}

/** A prepared request's exchange with the pipeline: new per request (its response id, its stream state). */
export const exchangeFor = (prepared: PreparedResponse, opts: PrepareOptions): Exchange & { context: ResponseContext } =>
  responsesExchange({
    request: prepared.request,
    mapped: prepared.mapped,
    history: prepared.history,
    store: opts.store,
    tenant: opts.tenant,
    reasoningOutput: opts.config.reasoning.output,
    bridged: opts.bridged,
  });

/**
 * Whether the prepared request may be remembered by its bytes: not when it continues a stored response (the
 * conversation it stands for is the store's, which a DELETE can take away).
 */
export const memoizable = (prepared: PreparedResponse): boolean => typeof prepared.request.previous_response_id !== 'string';

/**
 * `POST /v1/responses/input_tokens`: the request's input counted with the gateway's tokenizer (an estimate): the
 * conversation (with `previous_response_id`'s history and earlier tool calls), `instructions`, `tools` and `text.format`.
 */
export async function countInputTokens(body: unknown, opts: PrepareOptions): Promise<{ object: 'response.input_tokens'; input_tokens: number }> {
  const request = validateResponsesRequest(body);
  const { canonical } = toCanonical(request, await historyOf(request, opts));
  // The tools and the output format are input the model reads, as OpenAI's count includes them.
  const usage = await estimateUsage(canonical.messages, { id: '', object: 'chat.completion', created: 0, model: '', choices: [] }, [canonical.tools, canonical.response_format]);
  return { object: 'response.input_tokens', input_tokens: usage.prompt_tokens };
}
