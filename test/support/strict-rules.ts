import type { FakeUpstream, Scenario } from './fake-upstream.js';

/**
 * Request rules real providers enforce and the lenient fake upstreams do not, each with the provider's own error
 * text (and where it was reported), so a test can make a fake upstream refuse what the provider would refuse. A rule
 * returns the error message for a body it refuses, or null.
 */

type Json = Record<string, unknown>;
export type StrictRule = (body: Json) => string | null;

const messagesOf = (body: Json): Json[] => (Array.isArray(body.messages) ? (body.messages as Json[]) : []);

/**
 * DeepSeek's thinking mode (deepseek-flash, deepseek-v4-*, formerly deepseek-reasoner): once the model has called a tool, every assistant turn
 * must carry `reasoning_content` (an empty one is accepted).
 * Source: https://api-docs.deepseek.com/guides/thinking_mode (tool calls); the refusal as reported in
 * https://github.com/earendil-works/pi/issues/3636 and https://github.com/nocobase/nocobase/issues/8326.
 */
export const deepseekThinkingReasoningContent: StrictRule = (body) => {
  const messages = messagesOf(body);
  const calledTools = messages.some((m) => m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0);
  if (!calledTools) return null;
  const missing = messages.findIndex((m) => m.role === 'assistant' && typeof m.reasoning_content !== 'string');
  return missing === -1 ? null : 'The `reasoning_content` in the thinking mode must be passed back to the API.';
};

/**
 * DeepSeek (every model): message `content` is a string; an array of parts, even all text, fails to deserialise.
 * Sources: https://github.com/BerriAI/litellm/issues/6642 (a system message),
 * https://github.com/QwenLM/qwen-code/pull/2320 and https://github.com/Gitlawb/openclaude/issues/774 (tool messages).
 */
export const deepseekStringContent: StrictRule = (body) => {
  const index = messagesOf(body).findIndex((m) => Array.isArray(m.content));
  return index === -1 ? null : `Failed to deserialize the JSON body into the target type: messages[${index}]: invalid type: sequence, expected a string at line 1 column 42`;
};

/**
 * OpenAI Chat Completions: `metadata` tags a stored completion, so it needs `store: true`.
 * Sources: https://github.com/tmc/langchaingo/issues/1484, https://github.com/QwenLM/qwen-code/issues/243.
 */
export const openaiMetadataNeedsStore: StrictRule = (body) =>
  body.metadata !== undefined && body.metadata !== null && body.store !== true ? "The 'metadata' parameter is only allowed when 'store' is enabled." : null;

/**
 * OpenAI Chat Completions: an assistant message's `content` may be null only beside `tool_calls`.
 * Sources: https://github.com/run-llama/llama_index/pull/17921, https://github.com/docker/docker-agent/issues/63.
 */
export const openaiAssistantContent: StrictRule = (body) => {
  const bad = messagesOf(body).some(
    (m) => m.role === 'assistant' && (m.content === null || m.content === undefined) && !(Array.isArray(m.tool_calls) && m.tool_calls.length > 0),
  );
  return bad ? "Invalid value for 'content': expected a string, got null." : null;
};

/**
 * DeepSeek: the roles it knows. Source: https://github.com/decolua/9router/issues/773.
 */
export const deepseekRoles: StrictRule = (body) => {
  const roles = ['system', 'user', 'assistant', 'tool'];
  const index = messagesOf(body).findIndex((m) => !roles.includes(m.role as string));
  if (index === -1) return null;
  const role = String(messagesOf(body)[index]?.role);
  return `Failed to deserialize the JSON body into the target type: messages[${index}].role: unknown variant \`${role}\`, expected one of \`system\`, \`user\`, \`assistant\`, \`tool\`, \`latest_reminder\``;
};

/**
 * OpenAI and DeepSeek: each assistant turn's tool calls are answered by the tool messages right after it, and every
 * tool message answers one of them. Sources: https://github.com/jeremychone/rust-genai/issues/112 and
 * https://github.com/FoundationAgents/OpenManus/issues/744 (OpenAI's texts; DeepSeek uses the second as well).
 */
export const toolCallsAnswered: StrictRule = (body) => {
  const messages = messagesOf(body);
  let open: string[] = [];
  for (const m of messages) {
    if (m.role === 'tool') {
      const at = open.indexOf(String(m.tool_call_id));
      if (at === -1) return "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.";
      open.splice(at, 1);
      continue;
    }
    if (open.length > 0) {
      return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${open.join(', ')}`;
    }
    const calls = m.role === 'assistant' && Array.isArray(m.tool_calls) ? (m.tool_calls as Json[]) : [];
    open = calls.map((c) => String(c.id));
  }
  return open.length > 0
    ? `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${open.join(', ')}`
    : null;
};

/**
 * vLLM (and SGLang, llama.cpp, Ollama's /v1 likewise) parses each earlier tool call's `arguments` as JSON for the chat
 * template, so an empty string fails the request. Sources: https://github.com/vllm-project/vllm/issues/19419,
 * https://github.com/567-labs/instructor/issues/1336 (the 400 and its text).
 */
export const vllmToolArgumentsJson: StrictRule = (body) => {
  for (const m of messagesOf(body)) {
    for (const call of Array.isArray(m.tool_calls) ? (m.tool_calls as Json[]) : []) {
      const args = (call.function as Json | undefined)?.arguments;
      try {
        JSON.parse(String(args));
      } catch {
        return 'Expecting value: line 1 column 1 (char 0)';
      }
    }
  }
  return null;
};

/**
 * OpenAI and DeepSeek: a function's name is at most 64 characters (`^[a-zA-Z0-9_-]{1,64}$`). Sources:
 * https://github.com/danny-avila/LibreChat/issues/7435 (OpenAI), https://github.com/mrexodia/ida-pro-mcp/issues/129
 * (DeepSeek, same text).
 */
export const toolNameLength: StrictRule = (body) => {
  const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
  const index = tools.findIndex((t) => String((t.function as Json | undefined)?.name).length > 64);
  if (index === -1) return null;
  const length = String((tools[index]?.function as Json).name).length;
  return `Invalid 'tools[${index}].function.name': string too long. Expected a string with maximum length 64, but got a string with length ${length} instead.`;
};

/**
 * Qwen3.5/3.6 chat templates (on vLLM, SGLang, llama.cpp, Fireworks; Mistral-7B-Instruct-v0.3's likewise) allow one
 * system message, the first. Sources: https://github.com/vllm-project/vllm/issues/41114,
 * https://github.com/ai-dynamo/dynamo/issues/10206 (Codex's first turn), https://github.com/BerriAI/litellm/pull/39282.
 */
export const qwenSystemFirst: StrictRule = (body) =>
  messagesOf(body).some((m, i) => i > 0 && m.role === 'system') ? 'System message must be at the beginning.' : null;

/**
 * OpenAI Chat Completions (models before GPT-5.2) and vLLM: a tool message's parts may only be text. Sources:
 * https://github.com/dreadnode/rigging/issues/41 (OpenAI's text), https://github.com/vllm-project/vllm/issues/43203.
 */
export const toolMessageTextOnly: StrictRule = (body) => {
  const index = messagesOf(body).findIndex((m) => m.role === 'tool' && Array.isArray(m.content) && (m.content as Json[]).some((p) => p.type !== 'text'));
  return index === -1
    ? null
    : `Invalid 'messages[${index}]'. Image URLs are only allowed for messages with role 'user', but this message with role 'tool' contains an image URL.`;
};

/**
 * Ollama's /v1 (also for Codex, whose profiles often set `xhigh`): `reasoning_effort` is one of its five values.
 * Source: https://github.com/ollama/ollama/pull/17252. SGLang and Kimi take only low, medium and high
 * (https://github.com/router-for-me/CLIProxyAPI/issues/1572).
 */
export const ollamaReasoningEffort: StrictRule = (body) => {
  const effort = body.reasoning_effort;
  if (effort === undefined || ['high', 'medium', 'low', 'max', 'none'].includes(effort as string)) return null;
  return `invalid reasoning value: "${String(effort)}" (must be "high", "medium", "low", "max", or "none")`;
};

/** What DeepSeek's thinking mode (deepseek-flash, deepseek-v4-*, formerly deepseek-reasoner) refuses, as far as these rules know it. */
export const DEEPSEEK_THINKING: readonly StrictRule[] = [deepseekRoles, deepseekStringContent, deepseekThinkingReasoningContent, toolCallsAnswered, toolNameLength];
/** What OpenAI's Chat Completions refuses, as far as these rules know it. */
export const OPENAI_CHAT: readonly StrictRule[] = [openaiAssistantContent, openaiMetadataNeedsStore, toolCallsAnswered, toolNameLength, toolMessageTextOnly];

/**
 * Makes `fake` answer 400, in OpenAI's error shape, to a body one of `rules` refuses, and otherwise as `answer` (or as
 * it answered before). Returns the messages of the refusals it sent.
 */
export function refuseWith(fake: FakeUpstream, rules: readonly StrictRule[], answer: FakeUpstream['scenario'] = fake.scenario): string[] {
  const refused: string[] = [];
  fake.scenario = (body, index): Scenario => {
    for (const rule of rules) {
      const message = rule(body);
      if (message !== null) {
        refused.push(message);
        return { kind: 'status', status: 400, body: { error: { message, type: 'invalid_request_error', param: null, code: 'invalid_request_error' } } };
      }
    }
    return answer(body, index);
  };
  return refused;
}
