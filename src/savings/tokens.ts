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

export async function estimateUsage(messages: readonly ChatMessage[], completion: ChatCompletion): Promise<Usage> {
  const { countTokens } = await import('gpt-tokenizer');
  let prompt = REPLY_PRIMING_TOKENS;
  for (const m of messages) prompt += TOKENS_PER_MESSAGE + countTokens(messageText(m));
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
