import type { CanonicalRequest } from '../../core/conversation.js';
import { isRecord } from '../../core/types.js';
import type { AnyInputItem, ResponsesRequest } from './schema.js';
import { itemsToMessages } from './input.js';
import { mapTools, type ToolMapping } from './tools.js';

/**
 * A validated Responses request (with the conversation `previous_response_id` rebuilt, if any) → the canonical
 * request the gate, the cache keys and a chat upstream read. Pure.
 *
 * | Responses                      | canonical (Chat Completions)                  |
 * |--------------------------------|-----------------------------------------------|
 * | instructions                   | first system message                          |
 * | input (string or items)        | messages (see input.ts)                       |
 * | tools / tool_choice            | tools / tool_choice (see tools.ts)            |
 * | parallel_tool_calls            | parallel_tool_calls (only with tools)         |
 * | text.format json_schema/object | response_format                               |
 * | max_output_tokens              | max_tokens                                    |
 * | reasoning.effort               | reasoning_effort                              |
 * | temperature, top_p, user, safety_identifier, prompt_cache_key, stream | the same |
 * | metadata                       | not sent: the response carries it; on Chat Completions it tags a stored completion and OpenAI refuses it without `store: true` |
 */

export interface MappedRequest {
  canonical: CanonicalRequest;
  tools: ToolMapping;
  /** Types of input items a chat conversation cannot hold, left out of `canonical.messages`. */
  skippedItems: string[];
}

function responseFormat(format: unknown): Record<string, unknown> | undefined {
  if (!isRecord(format)) return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type !== 'json_schema') return undefined;
  const schema: Record<string, unknown> = { name: format.name, schema: format.schema };
  if (typeof format.description === 'string') schema.description = format.description;
  if (typeof format.strict === 'boolean') schema.strict = format.strict;
  return { type: 'json_schema', json_schema: schema };
}

export function toCanonical(request: ResponsesRequest, history: readonly AnyInputItem[]): MappedRequest {
  const { messages, skipped } = itemsToMessages(request.instructions, history.length === 0 ? request.input : [...history, ...request.input]);
  const tools = mapTools(request.tools, request.tool_choice);
  const canonical: CanonicalRequest = { messages };
  if (request.model !== undefined) canonical.model = request.model;
  if (request.stream === true) canonical.stream = true;
  const effort = request.reasoning?.effort;
  if (effort !== undefined && effort !== null) canonical.reasoning_effort = effort;
  if (tools.chatTools !== undefined) {
    canonical.tools = tools.chatTools;
    if (tools.toolChoice !== undefined) canonical.tool_choice = tools.toolChoice;
    if (typeof request.parallel_tool_calls === 'boolean') canonical.parallel_tool_calls = request.parallel_tool_calls;
  }
  const format = responseFormat(request.text?.format);
  if (format !== undefined) canonical.response_format = format;
  if (typeof request.max_output_tokens === 'number') canonical.max_tokens = request.max_output_tokens;
  if (typeof request.temperature === 'number') canonical.temperature = request.temperature;
  if (typeof request.top_p === 'number') canonical.top_p = request.top_p;
  if (typeof request.user === 'string') canonical.user = request.user;
  if (typeof request.safety_identifier === 'string') canonical.safety_identifier = request.safety_identifier;
  if (typeof request.prompt_cache_key === 'string') canonical.prompt_cache_key = request.prompt_cache_key;
  return { canonical, tools, skippedItems: skipped };
}
