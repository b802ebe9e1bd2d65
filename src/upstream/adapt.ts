import type { ChatMessage, CanonicalRequest, ReasoningEffort } from '../core/conversation.js';
import { isRecord } from '../core/types.js';
import type { UpstreamConfig } from '../config/schema.js';
import { DEFAULT_THINK_TAGS, removeThinkBlocks, type ThinkTagPair } from './think-tags.js';

/**
 * Turns the client's request into the body one upstream receives: its model name, history without stale
 * thinking, fields it does not accept dropped or renamed, fields it needs set. Everything else passes unchanged.
 */

export interface AdaptOptions {
  history: 'strip' | 'keep';
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
 * `developer` messages as `system` ones (same content): many chat servers know only system/user/assistant/tool and
 * refuse the whole request otherwise (DeepSeek: "unknown variant `developer`"). The array is copied only when one
 * is found: most requests have none.
 */
function asSystemMessages(messages: ChatMessage[]): ChatMessage[] {
  if (!messages.some((m) => m.role === 'developer')) return messages;
  return messages.map((m) => (m.role === 'developer' ? { ...m, role: 'system' } : m));
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

export function adaptRequest(request: CanonicalRequest, upstream: UpstreamConfig, opts: AdaptOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { ...request, model: upstream.model };
  const tags = upstream.thinkTags ?? DEFAULT_THINK_TAGS;
  const messages = opts.history === 'strip' ? request.messages.map((m) => stripMessageReasoning(m, tags)) : request.messages;
  body.messages = upstream.developerRole === 'system' ? asSystemMessages(messages) : messages;

  delete body.reasoning_effort;
  if (opts.effort !== undefined && upstream.acceptsReasoningEffort) body.reasoning_effort = opts.effort;

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
