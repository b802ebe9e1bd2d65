import { randomUUID } from 'node:crypto';
import type { Usage } from '../../core/types.js';
import type { ReasoningOutput } from '../../upstream/normalise.js';
import type { FunctionToolInput, NamespaceToolInput, ResponsesRequest, ToolInput } from './schema.js';
import type { ToolMapping } from './tools.js';
import type { OtherItem, OutputItem, ResponseErrorCode, ResponseObject, ResponseStatus, ResponseUsage } from './types.js';

/**
 * The `Response` object around an answer's output items: every field the SDK's `Response` type requires, with the
 * request's own values echoed (instructions, tools, tool_choice, temperature, …) as OpenAI does.
 */

/** What the Responses adapter knows of one request while encoding its answer. */
export interface ResponseContext {
  /** `resp_` + 192 random bits (hex). */
  id: string;
  /** The random part of `id`: item ids are derived from it (unique per response). */
  seed: string;
  request: ResponsesRequest;
  toolMapping: ToolMapping;
  /** Where the client wants reasoning; `strip` leaves the reasoning item out. */
  reasoningOutput: ReasoningOutput;
  /** The tools echoed in the response: the request's, less those a chat upstream could not be given. */
  tools: unknown[];
}

/** A UUID's 32 hex digits (its dashes at 8, 13, 18, 23 left out). */
const hexOf = (uuid: string): string => uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(14, 18) + uuid.slice(19, 23) + uuid.slice(24);

/**
 * A new response id: two random UUIDs' hex digits (244 random bits, above the 128 an unguessable id needs).
 * perf: `randomUUID` draws from a buffered pool of random bytes; `randomBytes` per call cost several µs.
 */
export function newResponseId(): { id: string; seed: string } {
  const seed = hexOf(randomUUID()) + hexOf(randomUUID());
  return { id: `resp_${seed}`, seed };
}

/**
 * A tool as the response echoes it: in the shape of the SDK's `Tool` types, whose required fields a client may leave
 * out of its request (a function tool's `parameters` and `strict`, a namespace's `description`).
 */
function echoedTool(tool: ToolInput): unknown {
  if (tool.type === 'function') {
    const t = tool as FunctionToolInput;
    return { ...t, parameters: t.parameters ?? null, strict: t.strict ?? null };
  }
  if (tool.type === 'namespace') {
    const t = tool as NamespaceToolInput;
    return { ...t, description: t.description ?? '' };
  }
  return tool;
}

export function newContext(request: ResponsesRequest, toolMapping: ToolMapping, reasoningOutput: ReasoningOutput, bridged: boolean): ResponseContext {
  const { id, seed } = newResponseId();
  const given = request.tools;
  if (given === undefined || given.length === 0) return { id, seed, request, toolMapping, reasoningOutput, tools: [] };
  const dropped = bridged ? toolMapping.dropped : [];
  const tools = given.filter((t) => !dropped.includes(t.type)).map(echoedTool);
  return { id, seed, request, toolMapping, reasoningOutput, tools };
}

/** Chat usage → Responses usage (`prompt_tokens` → `input_tokens`, details carried). */
export function responseUsage(usage: Usage | null | undefined): ResponseUsage | undefined {
  if (usage === null || usage === undefined) return undefined;
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: typeof cached === 'number' ? cached : 0, cache_write_tokens: 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: typeof reasoning === 'number' ? reasoning : 0 },
    total_tokens: usage.total_tokens,
  };
}

/** The chat `finish_reason` → the response's status and `incomplete_details`. */
export function statusFor(finishReason: string | null | undefined): { status: ResponseStatus; incomplete: ResponseObject['incomplete_details'] } {
  if (finishReason === 'length') return { status: 'incomplete', incomplete: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter') return { status: 'incomplete', incomplete: { reason: 'content_filter' } };
  return { status: 'completed', incomplete: null };
}

/** The concatenated `output_text` parts of the message items (what the SDK's `output_text` holds). */
export function outputText(output: ReadonlyArray<OutputItem | OtherItem>): string {
  let text = '';
  for (const item of output) {
    if (item.type !== 'message') continue;
    for (const part of (item as Extract<OutputItem, { type: 'message' }>).content) if (part.type === 'output_text') text += part.text;
  }
  return text;
}

export interface ResponseState {
  status: ResponseStatus;
  createdAt: number;
  model: string;
  output: Array<OutputItem | OtherItem>;
  usage?: ResponseUsage | undefined;
  error?: { code: ResponseErrorCode; message: string } | null;
  incomplete?: ResponseObject['incomplete_details'];
}

export function responseObject(ctx: ResponseContext, state: ResponseState): ResponseObject {
  const r = ctx.request;
  const format = r.text?.format ?? { type: 'text' };
  const response: ResponseObject = {
    id: ctx.id,
    object: 'response',
    created_at: state.createdAt,
    status: state.status,
    background: false,
    completed_at: state.status === 'completed' ? Math.floor(Date.now() / 1000) : null,
    error: state.error ?? null,
    incomplete_details: state.incomplete ?? null,
    instructions: r.instructions ?? null,
    max_output_tokens: r.max_output_tokens ?? null,
    metadata: r.metadata ?? {},
    model: state.model,
    output: state.output,
    parallel_tool_calls: r.parallel_tool_calls ?? true,
    previous_response_id: r.previous_response_id ?? null,
    reasoning: { effort: r.reasoning?.effort ?? null, summary: r.reasoning?.summary ?? null },
    store: r.store !== false,
    temperature: r.temperature ?? null,
    text: { format: format as Record<string, unknown> },
    tool_choice: r.tool_choice ?? 'auto',
    tools: ctx.tools,
    top_p: r.top_p ?? null,
    truncation: r.truncation ?? 'disabled',
    // perf: the optional fields are in the literal (undefined when absent: JSON leaves them out), not added after
    // it — properties added to a 25-field object one by one cost a map transition each on every response.
    usage: state.usage,
    user: r.user,
    prompt_cache_key: typeof r.prompt_cache_key === 'string' ? r.prompt_cache_key : undefined,
    safety_identifier: typeof r.safety_identifier === 'string' ? r.safety_identifier : undefined,
  };
  return response;
}

/** `error.code` of a failed response: one of the values the SDK's `ResponseError` type allows. */
export const failureCode = (status: number): ResponseErrorCode => (status === 429 ? 'rate_limit_exceeded' : 'server_error');
