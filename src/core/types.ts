/**
 * The response shapes the gateway produces and reads: OpenAI chat completions and stream chunks.
 * Loose on purpose: unknown fields from upstreams pass through.
 */

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
  [k: string]: unknown;
}

export interface ToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
  [k: string]: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  completion_tokens_details?: { reasoning_tokens?: number; [k: string]: unknown } | null;
  prompt_tokens_details?: { cached_tokens?: number; [k: string]: unknown } | null;
  [k: string]: unknown;
}

export interface AssistantMessage {
  role: 'assistant';
  content: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  tool_calls?: ToolCall[];
  refusal?: string | null;
  [k: string]: unknown;
}

export interface CompletionChoice {
  index: number;
  message: AssistantMessage;
  finish_reason: string | null;
  logprobs?: unknown;
  [k: string]: unknown;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: CompletionChoice[];
  usage?: Usage | null;
  system_fingerprint?: string | null;
  [k: string]: unknown;
}

export interface ChunkDelta {
  role?: string;
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  tool_calls?: ToolCallDelta[];
  refusal?: string | null;
  [k: string]: unknown;
}

export interface ChunkChoice {
  index: number;
  delta: ChunkDelta;
  finish_reason: string | null;
  logprobs?: unknown;
  [k: string]: unknown;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: ChunkChoice[];
  usage?: Usage | null;
  system_fingerprint?: string | null;
  [k: string]: unknown;
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A message or delta that may carry reasoning text. */
export interface ReasoningCarrier {
  reasoning_content?: string | null;
  reasoning?: string | null;
  [k: string]: unknown;
}

/**
 * The reasoning text of a message or delta. `reasoning_content` (DeepSeek, older vLLM) and `reasoning` (newer vLLM,
 * OpenRouter, Ollama) are aliases of one stream of thinking, and some vLLM versions send the same text in both:
 * take `reasoning_content` when it is a non-empty string, else `reasoning`; never both.
 */
export function reasoningOf(carrier: ReasoningCarrier): string {
  const rc = carrier.reasoning_content;
  if (typeof rc === 'string' && rc !== '') return rc;
  return typeof carrier.reasoning === 'string' ? carrier.reasoning : '';
}
