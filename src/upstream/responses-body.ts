import type { CanonicalRequest, ChatMessage, ContentPart, ReasoningEffort } from '../core/conversation.js';
import { isRecord } from '../core/types.js';
import type { UpstreamConfig } from '../config/schema.js';
import { applyParams, effortFor } from './adapt.js';

/**
 * A canonical (chat) request → the body an upstream with `api: responses` receives, for clients that spoke Chat
 * Completions (a Responses client's own request is forwarded by its adapter instead). Pure. `store: false`: the
 * gateway keeps no state for chat clients and the upstream must keep none either.
 *
 * | canonical                          | Responses                                          |
 * |------------------------------------|----------------------------------------------------|
 * | system / developer / user message  | `message` item (text → input_text, image_url → input_image, file → input_file) |
 * | assistant message                  | `message` item with output_text (reasoning dropped), then `function_call` items |
 * | tool message                       | `function_call_output`                             |
 * | tools (function)                   | `function` tools                                   |
 * | tool_choice `{function: {name}}`   | `{type: function, name}`                           |
 * | response_format                    | `text.format`                                      |
 * | max_tokens / max_completion_tokens | `max_output_tokens`, at least 16 (the Responses API's minimum) |
 * | reasoning_effort (decided)         | `reasoning.effort` (where the upstream accepts it) |
 * | temperature, top_p, user, metadata, parallel_tool_calls, safety_identifier, prompt_cache_key | the same |
 */

type Json = Record<string, unknown>;

/** The smallest `max_output_tokens` the Responses API accepts. */
const MIN_MAX_OUTPUT_TOKENS = 16;

function inputPart(part: ContentPart, assistant: boolean): Json | null {
  if (part.type === 'text') return assistant ? { type: 'output_text', text: part.text ?? '', annotations: [] } : { type: 'input_text', text: part.text ?? '' };
  if (part.type === 'image_url' && isRecord(part.image_url) && typeof part.image_url.url === 'string') {
    return { type: 'input_image', image_url: part.image_url.url, detail: typeof part.image_url.detail === 'string' ? part.image_url.detail : 'auto' };
  }
  if (part.type === 'file' && isRecord(part.file)) return { type: 'input_file', ...part.file };
  return null;
}

function content(value: unknown, assistant: boolean): string | Json[] {
  if (typeof value === 'string') return assistant ? [{ type: 'output_text', text: value, annotations: [] }] : value;
  if (!Array.isArray(value)) return assistant ? [] : '';
  return (value as ContentPart[]).map((p) => inputPart(p, assistant)).filter((p): p is Json => p !== null);
}

const textOf = (value: unknown): string =>
  typeof value === 'string' ? value : Array.isArray(value) ? (value as ContentPart[]).map((p) => p.text ?? '').join('') : '';

/** Chat messages → Responses input items. */
export function messagesToItems(messages: readonly ChatMessage[]): Json[] {
  const items: Json[] = [];
  for (const m of messages) {
    switch (m.role) {
      case 'system':
      case 'developer':
      case 'user':
        items.push({ type: 'message', role: m.role, content: content(m.content, false) });
        break;
      case 'assistant': {
        const parts = content(m.content, true) as Json[];
        if (typeof m.refusal === 'string' && m.refusal !== '') parts.push({ type: 'refusal', refusal: m.refusal });
        if (parts.length > 0) items.push({ type: 'message', role: 'assistant', content: parts, status: 'completed' });
        for (const call of m.tool_calls ?? []) {
          items.push({ type: 'function_call', call_id: call.id ?? '', name: call.function?.name ?? '', arguments: call.function?.arguments ?? '' });
        }
        break;
      }
      case 'tool':
        items.push({ type: 'function_call_output', call_id: m.tool_call_id, output: textOf(m.content) });
        break;
      case 'function':
        items.push({ type: 'function_call_output', call_id: m.name, output: m.content ?? '' });
        break;
    }
  }
  return items;
}

function tools(list: CanonicalRequest['tools']): Json[] | undefined {
  const out: Json[] = [];
  for (const t of list ?? []) {
    const fn = isRecord(t.function) ? t.function : undefined;
    if (t.type !== 'function' || fn === undefined || typeof fn.name !== 'string') continue;
    out.push({ type: 'function', name: fn.name, description: fn.description ?? null, parameters: fn.parameters ?? null, strict: fn.strict ?? null });
  }
  return out.length > 0 ? out : undefined;
}

function toolChoice(choice: unknown): unknown {
  if (typeof choice === 'string') return choice;
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string') return { type: 'function', name: choice.function.name };
  return undefined;
}

function textFormat(format: unknown): Json | undefined {
  if (!isRecord(format)) return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type === 'json_schema' && isRecord(format.json_schema)) return { type: 'json_schema', ...format.json_schema };
  return undefined;
}

export interface ResponsesBodyOptions {
  effort?: ReasoningEffort | undefined;
  stream: boolean;
}

export function canonicalToResponsesBody(request: CanonicalRequest, upstream: UpstreamConfig, opts: ResponsesBodyOptions): Json {
  const body: Json = { model: upstream.model, input: messagesToItems(request.messages), store: false };
  if (opts.stream) body.stream = true;
  const t = tools(request.tools);
  if (t !== undefined) {
    body.tools = t;
    const choice = toolChoice(request.tool_choice);
    if (choice !== undefined) body.tool_choice = choice;
    if (typeof request.parallel_tool_calls === 'boolean') body.parallel_tool_calls = request.parallel_tool_calls;
  }
  const format = textFormat(request.response_format);
  if (format !== undefined) body.text = { format };
  const max = request.max_completion_tokens ?? request.max_tokens;
  // Chat Completions takes a cap from 1, the Responses API from 16 ("Invalid 'max_output_tokens': integer below
  // minimum value. Expected a value >= 16"): a smaller cap is raised to 16 rather than refused.
  if (typeof max === 'number') body.max_output_tokens = Math.max(max, MIN_MAX_OUTPUT_TOKENS);
  const effort = effortFor(upstream, opts.effort);
  if (effort !== undefined) body.reasoning = { effort };
  for (const key of ['temperature', 'top_p', 'user', 'metadata', 'safety_identifier', 'prompt_cache_key'] as const) {
    const v = request[key];
    if (v !== undefined && v !== null) body[key] = v;
  }
  return applyParams(body, upstream.params);
}
