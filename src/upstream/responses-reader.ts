import { CompletionAssembler } from '../core/fold.js';
import type { ChatCompletion, ChatCompletionChunk, ChunkDelta, ToolCall, Usage } from '../core/types.js';
import { isRecord } from '../core/types.js';
import { GatewayError } from '../errors.js';
import { pumpEvents, readJsonBody, type DeltaSink, type ForwardOptions, type StreamResult } from '../pipeline/forward.js';
import type { UpstreamResponse } from './client.js';
import type { ReasoningOutput } from './normalise.js';

/**
 * Reads an upstream that speaks the Responses API (`upstreams.<tier>.api: responses`) into the canonical shape:
 * its events become canonical deltas, its response object a canonical answer, so the pipeline caches, counts and
 * encodes it as it does a chat upstream's.
 *
 * | upstream Responses                               | canonical                                         |
 * |--------------------------------------------------|---------------------------------------------------|
 * | reasoning_text / reasoning_summary_text deltas   | `reasoning_content`                               |
 * | reasoning item's `encrypted_content`             | `reasoning_encrypted_content` (carried, not cached)|
 * | output_text / refusal deltas                     | `content` / `refusal`                             |
 * | function_call (namespace: `<ns>__<name>`)        | a tool call, `call_id` as its id                  |
 * | custom_tool_call                                 | a tool call with arguments `{"input": …}`         |
 * | any other item (web_search_call, …)              | `responses_item` / `responses_items` (carried, not cached) |
 * | usage input/output tokens, details               | `prompt_tokens` / `completion_tokens`, details     |
 * | completed / incomplete (max_output_tokens)       | finish_reason `stop` or `tool_calls` / `length`    |
 * Source: `ResponseStreamEvent` and `Response` in the `openai` SDK.
 */

type Json = Record<string, unknown>;

const CANONICAL_ITEMS: ReadonlySet<string> = new Set(['message', 'reasoning', 'function_call', 'custom_tool_call']);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const callName = (item: Json): string => (typeof item.namespace === 'string' && item.namespace !== '' ? `${item.namespace}__${str(item.name)}` : str(item.name));
/** The inside of a JSON string literal: custom tool input streamed as the arguments `{"input": "…"}`. */
const jsonInner = (text: string): string => JSON.stringify(text).slice(1, -1);

/** Responses usage → chat usage. */
export function chatUsage(u: unknown): Usage | null {
  if (!isRecord(u)) return null;
  const input = typeof u.input_tokens === 'number' ? u.input_tokens : 0;
  const output = typeof u.output_tokens === 'number' ? u.output_tokens : 0;
  const usage: Usage = { prompt_tokens: input, completion_tokens: output, total_tokens: typeof u.total_tokens === 'number' ? u.total_tokens : input + output };
  const cached = isRecord(u.input_tokens_details) ? u.input_tokens_details.cached_tokens : undefined;
  const reasoning = isRecord(u.output_tokens_details) ? u.output_tokens_details.reasoning_tokens : undefined;
  if (typeof cached === 'number') usage.prompt_tokens_details = { cached_tokens: cached };
  if (typeof reasoning === 'number') usage.completion_tokens_details = { reasoning_tokens: reasoning };
  return usage;
}

function finishReason(response: Json, calls: number): string {
  const reason = isRecord(response.incomplete_details) ? response.incomplete_details.reason : undefined;
  if (response.status === 'incomplete') return reason === 'content_filter' ? 'content_filter' : 'length';
  return calls > 0 ? 'tool_calls' : 'stop';
}

const upstreamFailure = (tier: string, error: unknown, fallback: string): GatewayError => {
  const e = isRecord(error) ? error : {};
  const code = typeof e.code === 'string' ? e.code : fallback;
  return new GatewayError(code === 'rate_limit_exceeded' ? 429 : 502, `${tier} upstream: ${typeof e.message === 'string' ? e.message : 'the response failed'}`, { code });
};

/** Turns one upstream's Responses events into canonical deltas. Pure. */
export class ResponsesEventReader {
  private id = '';
  private model = '';
  private created = 0;
  private calls = 0;
  /** Output index of a call → its canonical tool-call index (and whether it is custom). */
  private readonly callAt = new Map<number, { index: number; custom: boolean }>();
  finished = false;

  constructor(
    private readonly tier: string,
    /** The field reasoning goes in (`reasoning.output`); `strip` drops it. */
    private readonly output: ReasoningOutput = 'reasoning_content',
  ) {}

  private chunk(delta: ChunkDelta, finish: string | null = null, usage?: Usage | null): ChatCompletionChunk {
    const c: ChatCompletionChunk = { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta, finish_reason: finish }] };
    if (usage !== undefined && usage !== null) c.usage = usage;
    return c;
  }

  /** The deltas one event stands for (often none). Throws a GatewayError for `response.failed` and `error`. */
  read(event: Json): ChatCompletionChunk[] {
    const type = str(event.type);
    const outputIndex = typeof event.output_index === 'number' ? event.output_index : -1;
    switch (type) {
      case 'response.created':
      case 'response.in_progress': {
        const r = isRecord(event.response) ? event.response : {};
        this.id = str(r.id);
        this.model = str(r.model);
        this.created = typeof r.created_at === 'number' ? r.created_at : 0;
        return [];
      }
      case 'response.reasoning_text.delta':
      case 'response.reasoning_summary_text.delta':
        return this.output === 'strip' ? [] : [this.chunk({ [this.output]: str(event.delta) })];
      case 'response.output_text.delta':
        return [this.chunk({ content: str(event.delta) })];
      case 'response.refusal.delta':
        return [this.chunk({ refusal: str(event.delta) })];
      case 'response.output_item.added': {
        const item = isRecord(event.item) ? event.item : {};
        if (item.type !== 'function_call' && item.type !== 'custom_tool_call') return [];
        const custom = item.type === 'custom_tool_call';
        const index = this.calls++;
        this.callAt.set(outputIndex, { index, custom });
        return [this.chunk({ tool_calls: [{ index, id: str(item.call_id), type: 'function', function: { name: callName(item), arguments: custom ? '{"input":"' : '' } }] })];
      }
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta': {
        const call = this.callAt.get(outputIndex);
        if (call === undefined) return [];
        const piece = call.custom ? jsonInner(str(event.delta)) : str(event.delta);
        return [this.chunk({ tool_calls: [{ index: call.index, function: { arguments: piece } }] })];
      }
      case 'response.output_item.done': {
        const item = isRecord(event.item) ? event.item : {};
        const call = this.callAt.get(outputIndex);
        if (call?.custom === true) return [this.chunk({ tool_calls: [{ index: call.index, function: { arguments: '"}' } }] })];
        if (item.type === 'reasoning' && typeof item.encrypted_content === 'string') return [this.chunk({ reasoning_encrypted_content: item.encrypted_content })];
        if (typeof item.type === 'string' && !CANONICAL_ITEMS.has(item.type)) return [this.chunk({ responses_item: item })];
        return [];
      }
      case 'response.completed':
      case 'response.incomplete': {
        const r = isRecord(event.response) ? event.response : {};
        this.finished = true;
        return [this.chunk({}, finishReason(r, this.calls), chatUsage(r.usage))];
      }
      case 'response.failed': {
        const r = isRecord(event.response) ? event.response : {};
        throw upstreamFailure(this.tier, r.error, 'upstream_stream_error');
      }
      case 'error':
        throw upstreamFailure(this.tier, event, 'upstream_stream_error');
      default:
        return [];
    }
  }
}

/** An upstream's `Response` object → the canonical answer. Pure. */
export function responseToCompletion(response: Json, output: ReasoningOutput = 'reasoning_content'): ChatCompletion {
  let content: string | null = null;
  let reasoning = '';
  let refusal = '';
  let encrypted: string | undefined;
  const toolCalls: ToolCall[] = [];
  const carried: Json[] = [];
  for (const raw of Array.isArray(response.output) ? response.output : []) {
    if (!isRecord(raw)) continue;
    const parts = Array.isArray(raw.content) ? raw.content.filter(isRecord) : [];
    if (raw.type === 'message') {
      for (const p of parts) {
        if (p.type === 'output_text') content = (content ?? '') + str(p.text);
        else if (p.type === 'refusal') refusal += str(p.refusal);
      }
    } else if (raw.type === 'reasoning') {
      const texts = parts.length > 0 ? parts : Array.isArray(raw.summary) ? raw.summary.filter(isRecord) : [];
      reasoning += texts.map((p) => str(p.text)).join('\n');
      if (typeof raw.encrypted_content === 'string') encrypted = raw.encrypted_content;
    } else if (raw.type === 'function_call' || raw.type === 'custom_tool_call') {
      const args = raw.type === 'custom_tool_call' ? JSON.stringify({ input: str(raw.input) }) : str(raw.arguments);
      toolCalls.push({ id: str(raw.call_id), type: 'function', function: { name: callName(raw), arguments: args } });
    } else carried.push(raw);
  }
  const message: ChatCompletion['choices'][number]['message'] = { role: 'assistant', content };
  if (reasoning !== '' && output !== 'strip') message[output] = reasoning;
  if (refusal !== '') message.refusal = refusal;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (encrypted !== undefined) message.reasoning_encrypted_content = encrypted;
  if (carried.length > 0) message.responses_items = carried;
  return {
    id: str(response.id),
    object: 'chat.completion',
    created: typeof response.created_at === 'number' ? response.created_at : 0,
    model: str(response.model),
    choices: [{ index: 0, message, finish_reason: finishReason(response, toolCalls.length), logprobs: null }],
    usage: chatUsage(response.usage),
  };
}

/** Reads a native upstream's JSON answer (already 2xx). */
export async function readResponsesAnswer(res: UpstreamResponse, opts: ForwardOptions): Promise<ChatCompletion> {
  const parsed = await readJsonBody(res, opts);
  if (!isRecord(parsed) || !Array.isArray(parsed.output)) {
    throw new GatewayError(502, `${opts.client.tier} upstream returned JSON that is not a response object`, { code: 'upstream_malformed' });
  }
  if (parsed.status === 'failed') throw upstreamFailure(opts.client.tier, parsed.error, 'upstream_error');
  return responseToCompletion(parsed, opts.output);
}

/** Reads a native upstream's event stream (already 2xx), handing canonical deltas to the sink. */
export async function readResponsesStream(res: UpstreamResponse, opts: ForwardOptions, sink: DeltaSink): Promise<StreamResult> {
  const reader = new ResponsesEventReader(opts.client.tier, opts.output);
  const assembler = new CompletionAssembler();
  sink.start();
  const handle = (data: string): void => {
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      throw new GatewayError(502, `${opts.client.tier} upstream sent a stream event that is not JSON`, { code: 'upstream_malformed' });
    }
    if (!isRecord(event)) return;
    for (const chunk of reader.read(event)) {
      assembler.add(chunk);
      sink.delta(chunk, null);
    }
  };
  // response.completed (or .incomplete) ends the answer: a server that keeps the connection open does not hold the client.
  let error = await pumpEvents(res, opts, sink, { handle, stopped: () => reader.finished, complete: () => reader.finished, partial: () => assembler.result() });
  if (error === null && !reader.finished) {
    error = new GatewayError(502, `${opts.client.tier} upstream ended the stream before the response was complete`, { code: 'upstream_stream_cut' });
  }
  // A Responses stream completes with its own event (response.completed), never by implication.
  return { completion: assembler.result(), complete: error === null, finishSynthesised: false, error };
}
