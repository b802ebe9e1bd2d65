import type { ChatMessage } from '../core/conversation.js';
import { messageText } from '../core/prompt-text.js';
import type { ChatCompletion, Usage } from '../core/types.js';

/**
 * Token counts for answers whose upstream reported no usage (a stream without a usage chunk, a cut stream).
 * The tokenizer (gpt-tokenizer, o200k_base) is loaded on first need, so the hot path — upstreams that report
 * usage — never pays for it. Other model families tokenise differently: the figure is an estimate and is marked so.
 */

/** OpenAI's documented chat overhead: ~3 tokens per message plus 3 to prime the reply. */
const TOKENS_PER_MESSAGE = 3;
const REPLY_PRIMING_TOKENS = 3;

/**
 * @param messages the conversation: each message's text, and an assistant turn's tool calls (name and arguments),
 *   which the model reads back as much as text.
 * @param definitions request-level parts the model also reads (`tools`, `response_format`), counted as their JSON;
 *   OpenAI renders them in a format of its own, so their share is an estimate too. `undefined`/`null` entries count 0.
 * @returns usage in tokens; the prompt includes OpenAI's per-message overhead.
 */
export async function estimateUsage(messages: readonly ChatMessage[], completion: ChatCompletion, definitions: readonly unknown[] = []): Promise<Usage> {
  const { countTokens } = await import('gpt-tokenizer');
  let prompt = REPLY_PRIMING_TOKENS;
  for (const m of messages) {
    prompt += TOKENS_PER_MESSAGE + countTokens(messageText(m));
    if (m.role !== 'assistant') continue;
    for (const call of m.tool_calls ?? []) if (call.function !== undefined) prompt += countTokens(call.function.name) + countTokens(call.function.arguments);
  }
  for (const part of definitions) if (part !== undefined && part !== null) prompt += countTokens(JSON.stringify(part));
  let answer = 0;
  let reasoning = 0;
  for (const choice of completion.choices) {
    const msg = choice.message;
    if (typeof msg.content === 'string') answer += countTokens(msg.content);
    if (typeof msg.refusal === 'string') answer += countTokens(msg.refusal);
    for (const call of msg.tool_calls ?? []) answer += countTokens(call.function.name) + countTokens(call.function.arguments);
    const thought = typeof msg.reasoning_content === 'string' ? msg.reasoning_content : typeof msg.reasoning === 'string' ? msg.reasoning : '';
    if (thought !== '') reasoning += countTokens(thought);
  }
  return {
    prompt_tokens: prompt,
    completion_tokens: answer + reasoning,
    total_tokens: prompt + answer + reasoning,
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
}
