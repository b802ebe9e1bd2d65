import { REASONING_EFFORTS, type CanonicalRequest, type CanonicalToolCall, type ChatMessage, type ContentPart, type ReasoningEffort } from '../core/conversation.js';
import { isRecord } from '../core/types.js';
import type { UpstreamConfig } from '../config/schema.js';
import { DEFAULT_THINK_TAGS, removeThinkBlocks, type ThinkTagPair } from './think-tags.js';

/**
 * Turns the client's request into the body one upstream receives: its model name, history without stale
 * thinking, fields it does not accept dropped or renamed, fields it needs set. Everything else passes unchanged.
 */

export interface AdaptOptions {
  /** Earlier turns' reasoning: removed, sent as the client sent it, or always sent as `reasoning_content` (see withReasoningContent). */
  history: 'strip' | 'keep' | 'always';
  /** Effort to send (from the request or the gate's tier); sent only where the upstream accepts it. */
  effort?: ReasoningEffort | undefined;
  /** Streaming requests always ask the upstream for usage: accounting needs it even when the client did not. */
  stream: boolean;
}

function stripMessageReasoning(message: ChatMessage, tags: readonly ThinkTagPair[]): ChatMessage {
  if (message.role !== 'assistant') return message;
  const { reasoning_content: _rc, reasoning: _r, ...rest } = message;
  const content = rest.content;
  if (typeof content === 'string') return { ...rest, content: removeThinkBlocks(content, tags) };
  if (Array.isArray(content)) {
    return {
      ...rest,
      content: content.map((part) => (part.type === 'text' && typeof part.text === 'string' ? { ...part, text: removeThinkBlocks(part.text, tags) } : part)),
    };
  }
  return rest;
}

/**
 * An assistant turn with its reasoning as `reasoning_content`, an empty one when it has none. DeepSeek's thinking
 * mode (deepseek-flash, deepseek-v4-*, formerly deepseek-reasoner) refuses a conversation whose assistant turns lack the field once the
 * model has called a tool ("The `reasoning_content` in the thinking mode must be passed back to the API.",
 * "Missing `reasoning_content` field in the assistant message at message index 2"; Moonshot's Kimi likewise), and a
 * turn answered by the direct tier, or a Responses reasoning item carrying only encrypted text, has none to send.
 * Source: https://api-docs.deepseek.com/guides/thinking_mode (tool calls).
 */
function withReasoningContent(message: ChatMessage): ChatMessage {
  if (message.role !== 'assistant') return message;
  const { reasoning, ...rest } = message;
  const text = [message.reasoning_content, reasoning].find((r): r is string => typeof r === 'string' && r !== '') ?? '';
  return { ...rest, reasoning_content: text };
}

/**
 * `developer` messages as `system` ones (same content): many chat servers know only system/user/assistant/tool and
 * refuse the whole request otherwise (DeepSeek: "unknown variant `developer`"). The array is copied only when one
 * is found: most requests have none.
 */
function asSystemMessages(messages: ChatMessage[]): ChatMessage[] {
  if (!messages.some((m) => m.role === 'developer')) return messages;
  return messages.map((m) => (m.role === 'developer' ? { ...m, role: 'system' } : m));
}

/**
 * A text part without a `cache_control` mark (Anthropic models behind OpenRouter and LiteLLM read it per part).
 * Other fields on a text part are carried-over noise (the Agents SDK's chat model copies a message's extra fields,
 * such as `role` and `reasoning_content`, into its parts) and are not kept.
 */
const isPlainText = (part: ContentPart): boolean => part.type === 'text' && typeof part.text === 'string' && part.cache_control === undefined;

/**
 * Content that is an array of plain text parts as one string (the parts joined by a newline, as vLLM joins them for
 * its templates): every chat server takes a string, while DeepSeek refuses any array ("invalid type: sequence,
 * expected a string") and some chat templates read only strings. Arrays holding anything else (images, files,
 * marked parts) are left as they are. The array is copied only when a message changes.
 */
function textPartsAsStrings(messages: ChatMessage[]): ChatMessage[] {
  const flat = (m: ChatMessage): boolean => Array.isArray(m.content) && m.content.length > 0 && m.content.every(isPlainText);
  if (!messages.some(flat)) return messages;
  return messages.map((m) => (flat(m) ? ({ ...m, content: (m.content as ContentPart[]).map((p) => p.text).join('\n') } as ChatMessage) : m));
}

/**
 * The system messages a conversation opens with as one (contents joined by a blank line, in order, as DeepSeek's own
 * template joins them). Codex sends its instructions and one or more developer messages, which reach a chat
 * upstream as a run of system messages, and Qwen3.5/3.6 chat templates (on vLLM, SGLang, llama.cpp) refuse any
 * system message but the first ("System message must be at the beginning."), as Mistral's do. A run holding
 * anything but text is left as it is; system messages later in the conversation are too.
 */
function oneLeadingSystemMessage(messages: ChatMessage[]): ChatMessage[] {
  let run = 0;
  while (messages[run]?.role === 'system') run++;
  const leading = messages.slice(0, run);
  if (run < 2 || !leading.every((m) => typeof m.content === 'string')) return messages;
  const first = leading[0] as ChatMessage;
  return [{ ...first, content: leading.map((m) => m.content as string).join('\n\n') } as ChatMessage, ...messages.slice(run)];
}

/** An assistant turn with no content and no call: one that only thought (cut off, or its text never came). */
const saysNothing = (m: ChatMessage): boolean =>
  m.role === 'assistant' &&
  (m.content === null || m.content === undefined) &&
  !(Array.isArray(m.tool_calls) && m.tool_calls.length > 0) &&
  m.function_call === undefined;

/**
 * Such turns with empty content: OpenAI allows null content only beside tool calls ("Invalid value for 'content':
 * expected a string, got null."), and a turn that only thought is what a Responses reasoning item with no message
 * after it, or an answer cut off while thinking, becomes once its reasoning is stripped.
 */
function emptyContentForSilentTurns(messages: ChatMessage[]): ChatMessage[] {
  if (!messages.some(saysNothing)) return messages;
  return messages.map((m) => (saysNothing(m) ? { ...m, content: '' } : m));
}

const emptyArguments = (call: CanonicalToolCall): boolean => typeof call.function?.arguments === 'string' && call.function.arguments.trim() === '';
const hasEmptyArguments = (m: ChatMessage): boolean => m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.some(emptyArguments);

/**
 * Earlier tool calls with empty `arguments` (a call to a tool that takes nothing, from a server that streamed no
 * argument text) sent with `{}`: vLLM, SGLang, llama.cpp and Ollama parse each call's arguments as JSON to render
 * the history, and an empty string fails the whole request (vLLM: "Expecting value: line 1 column 1 (char 0)").
 */
function emptyArgumentsAsObjects(messages: ChatMessage[]): ChatMessage[] {
  if (!messages.some(hasEmptyArguments)) return messages;
  return messages.map((m) => {
    if (m.role !== 'assistant' || !hasEmptyArguments(m)) return m;
    const calls = (m.tool_calls ?? []).map((c) => (emptyArguments(c) && c.function !== undefined ? { ...c, function: { ...c.function, arguments: '{}' } } : c));
    return { ...m, tool_calls: calls };
  });
}

function deepMerge(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    const existing = target[key];
    if (isRecord(value) && isRecord(existing)) {
      const copy = { ...existing };
      deepMerge(copy, value);
      target[key] = copy;
    } else {
      target[key] = value;
    }
  }
}

/**
 * The effort `upstream` receives for a decided `effort`: none when it does not accept the field; else the effort, or
 * with `reasoningEfforts` set the nearest value it lists on OpenAI's scale (REASONING_EFFORTS, the higher on a tie:
 * Ollama's /v1 refuses "xhigh" and "minimal", so they go as "max" and "low").
 */
export function effortFor(upstream: UpstreamConfig, effort: ReasoningEffort | undefined): ReasoningEffort | undefined {
  if (effort === undefined || !upstream.acceptsReasoningEffort) return undefined;
  const accepted = upstream.reasoningEfforts;
  if (accepted === undefined || accepted.includes(effort)) return effort;
  const rank = (e: ReasoningEffort): number => REASONING_EFFORTS.indexOf(e);
  const distance = (e: ReasoningEffort): number => Math.abs(rank(e) - rank(effort));
  return accepted.reduce((best, e) => (distance(e) < distance(best) || (distance(e) === distance(best) && rank(e) > rank(best)) ? e : best));
}

export function adaptRequest(request: CanonicalRequest, upstream: UpstreamConfig, opts: AdaptOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { ...request, model: upstream.model };
  const tags = upstream.thinkTags ?? DEFAULT_THINK_TAGS;
  const messages =
    opts.history === 'strip'
      ? request.messages.map((m) => stripMessageReasoning(m, tags))
      : opts.history === 'always'
        ? request.messages.map(withReasoningContent)
        : request.messages;
  const roles = upstream.developerRole === 'system' ? asSystemMessages(messages) : messages;
  body.messages = emptyArgumentsAsObjects(emptyContentForSilentTurns(oneLeadingSystemMessage(textPartsAsStrings(roles))));

  delete body.reasoning_effort;
  const effort = effortFor(upstream, opts.effort);
  if (effort !== undefined) body.reasoning_effort = effort;

  if (opts.stream) {
    body.stream = true;
    body.stream_options = { ...(isRecord(request.stream_options) ? request.stream_options : {}), include_usage: true };
  } else {
    delete body.stream;
    delete body.stream_options;
  }

  return applyParams(body, upstream.params);
}

/** The upstream's `params` (drop, rename, then deep-merge `set`) applied to a body in place; returns it. */
export function applyParams(body: Record<string, unknown>, params: UpstreamConfig['params']): Record<string, unknown> {
  const { drop, rename, set } = params;
  for (const field of drop) delete body[field];
  for (const [from, to] of Object.entries(rename)) {
    if (!(from in body)) continue;
    if (!(to in body)) body[to] = body[from];
    delete body[from];
  }
  deepMerge(body, set);
  return body;
}
