/**
 * The canonical conversation: what every wire API's adapter maps its request to, and what the gate, the cache
 * keys, the upstream adaptation and the accounting read. It is the Chat Completions request shape (messages,
 * tool calls, reasoning, sampling parameters) because that is what the upstreams speak; an adapter for another
 * wire API (Responses, later Anthropic Messages) produces this shape and never adds fields of its own here.
 *
 * Loose on purpose: fields the gateway does not read pass through to a chat upstream unchanged.
 * Source of the shape: OpenAI's Chat Completions API reference (`ChatCompletionCreateParams` in the `openai` SDK).
 */

/** A text part (`{type:"text", text}`) or any other part (image, audio, file): carried, never inspected. */
export interface ContentPart {
  type: string;
  text?: string | undefined;
  [k: string]: unknown;
}

export type MessageContent = string | ContentPart[];

export interface CanonicalToolCall {
  id?: string | undefined;
  type?: string | undefined;
  function?: { name: string; arguments: string; [k: string]: unknown } | undefined;
  [k: string]: unknown;
}

export interface SystemMessage {
  role: 'system' | 'developer';
  content: MessageContent;
  name?: string | undefined;
  [k: string]: unknown;
}

export interface UserMessage {
  role: 'user';
  content: MessageContent;
  name?: string | undefined;
  [k: string]: unknown;
}

export interface AssistantTurn {
  role: 'assistant';
  content?: MessageContent | null | undefined;
  tool_calls?: CanonicalToolCall[] | undefined;
  reasoning_content?: string | null | undefined;
  reasoning?: string | null | undefined;
  refusal?: string | null | undefined;
  name?: string | undefined;
  [k: string]: unknown;
}

export interface ToolMessage {
  role: 'tool';
  content: MessageContent;
  tool_call_id: string;
  [k: string]: unknown;
}

export interface FunctionMessage {
  role: 'function';
  content: string | null;
  name: string;
  [k: string]: unknown;
}

export type ChatMessage = SystemMessage | UserMessage | AssistantTurn | ToolMessage | FunctionMessage;

/** Every value OpenAI's SDK types allow for `reasoning_effort` / `reasoning.effort`. */
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

/** The wire APIs the gateway speaks to clients; a label on every record, metric and log line. */
export type Api = 'chat' | 'responses';

/** One request in canonical form: a Chat Completions body the gateway has validated. */
export interface CanonicalRequest {
  model?: string | undefined;
  messages: ChatMessage[];
  stream?: boolean | null | undefined;
  stream_options?: { include_usage?: boolean | undefined; [k: string]: unknown } | null | undefined;
  reasoning_effort?: ReasoningEffort | null | undefined;
  tools?: Array<{ type: string; [k: string]: unknown }> | undefined;
  n?: number | null | undefined;
  temperature?: number | null | undefined;
  top_p?: number | null | undefined;
  max_tokens?: number | null | undefined;
  max_completion_tokens?: number | null | undefined;
  seed?: number | null | undefined;
  [k: string]: unknown;
}
