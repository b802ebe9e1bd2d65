/**
 * The Responses API shapes the gateway emits: the `Response` object, its output items and its stream events.
 * Written out here (not imported from the `openai` SDK, a development dependency) with exactly the fields of
 * the SDK's types (`openai/resources/responses/responses.d.ts`, openai 6.x); the SDK tests check them against it.
 */

export interface OutputText {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs?: unknown[];
}

export interface OutputRefusal {
  type: 'refusal';
  refusal: string;
}

export interface ReasoningText {
  type: 'reasoning_text';
  text: string;
}

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface MessageItem {
  type: 'message';
  id: string;
  role: 'assistant';
  status: ItemStatus;
  content: Array<OutputText | OutputRefusal>;
}

export interface ReasoningItem {
  type: 'reasoning';
  id: string;
  summary: Array<{ type: 'summary_text'; text: string }>;
  content?: ReasoningText[];
  encrypted_content?: string | null;
  status?: ItemStatus;
}

export interface FunctionCallItem {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  namespace?: string;
  status: ItemStatus;
}

export interface CustomToolCallItem {
  type: 'custom_tool_call';
  id: string;
  call_id: string;
  name: string;
  input: string;
  namespace?: string;
  status?: ItemStatus;
}

/** An item the canonical answer cannot represent (web_search_call, …), passed through from a native upstream. */
export interface OtherItem {
  type: string;
  id?: string;
  [k: string]: unknown;
}

export type OutputItem = MessageItem | ReasoningItem | FunctionCallItem | CustomToolCallItem;

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** `ResponseError['code']` values of the SDK's types the gateway uses. */
export type ResponseErrorCode = 'server_error' | 'rate_limit_exceeded' | 'invalid_prompt';

export type ResponseStatus = 'completed' | 'failed' | 'in_progress' | 'incomplete';

/** The `Response` object (every field the SDK's type requires, plus the optional ones OpenAI returns). */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  completed_at: number | null;
  error: { code: ResponseErrorCode; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  metadata: Record<string, string> | null;
  model: string;
  output: Array<OutputItem | OtherItem>;
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null } | null;
  /** Sent by OpenAI's API, though the SDK's type leaves it out. (`output_text` is the reverse: the SDK computes it.) */
  store: boolean;
  temperature: number | null;
  text: { format: Record<string, unknown> };
  tool_choice: unknown;
  tools: unknown[];
  top_p: number | null;
  truncation: 'auto' | 'disabled';
  usage?: ResponseUsage;
  user?: string;
  background: boolean;
  prompt_cache_key?: string | null;
  safety_identifier?: string | null;
}
