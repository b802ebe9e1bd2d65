import type { RequestRecord } from '../core/record.js';
import type { ChatMessage } from '../core/conversation.js';
import type { ChatCompletion } from '../core/types.js';
import { estimateUsage } from './tokens.js';

/**
 * For the chat route: when the upstream reported no usage but produced (part of) an answer, count the tokens
 * and mark them estimated. Never throws: a count we cannot make leaves usage null (cost then counts as 0).
 */
export async function fillEstimatedUsage(record: RequestRecord, messages: readonly ChatMessage[], completion: ChatCompletion): Promise<void> {
  if (record.usage !== null || completion.choices.length === 0) return;
  try {
    record.usage = await estimateUsage(messages, completion);
    record.usageEstimated = true;
  } catch {
    record.usage = null;
  }
}
