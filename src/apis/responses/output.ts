import { reasoningOf, type AssistantMessage } from '../../core/types.js';
import { bindingFor, customInput } from './tools.js';
import type { ResponseContext } from './response.js';
import type { CustomToolCallItem, FunctionCallItem, MessageItem, OtherItem, OutputItem, ReasoningItem } from './types.js';

/**
 * A complete canonical message → the response's output items, built directly (the JSON path: no events). The same
 * items, in the same order and with the same ids, as the event encoder (events.ts) builds from the message's deltas;
 * a test holds the two together. Pure.
 */
export function outputItems(message: AssistantMessage, ctx: ResponseContext): Array<OutputItem | OtherItem> {
  let n = 0;
  const id = (prefix: string): string => `${prefix}_${ctx.seed}${(n++).toString(16).padStart(2, '0')}`;
  const out: Array<OutputItem | OtherItem> = [];
  const reasoning = reasoningOf(message);
  const showReasoning = reasoning !== '' && ctx.reasoningOutput !== 'strip';
  const encrypted = message.reasoning_encrypted_content;
  if (showReasoning || typeof encrypted === 'string') {
    const item: ReasoningItem = { id: id('rs'), type: 'reasoning', summary: [], content: showReasoning ? [{ type: 'reasoning_text', text: reasoning }] : [], status: 'completed' };
    if (typeof encrypted === 'string') item.encrypted_content = encrypted;
    out.push(item);
  }
  const text = typeof message.content === 'string' ? message.content : '';
  const refusal = typeof message.refusal === 'string' ? message.refusal : '';
  if (text !== '' || refusal !== '') {
    const item: MessageItem = { id: id('msg'), type: 'message', role: 'assistant', status: 'completed', content: [] };
    if (text !== '') item.content.push({ type: 'output_text', text, annotations: [], logprobs: [] });
    if (refusal !== '') item.content.push({ type: 'refusal', refusal });
    out.push(item);
  }
  let calls = 0;
  (message.tool_calls ?? []).forEach((call, index) => {
    const binding = bindingFor(ctx.toolMapping, call.function.name);
    const callId = call.id !== '' ? call.id : `call_${ctx.seed.slice(0, 24)}${index}`;
    const item: FunctionCallItem | CustomToolCallItem = binding.kind === 'custom'
      ? { type: 'custom_tool_call', id: id('ctc'), call_id: callId, name: binding.name, input: customInput(call.function.arguments) }
      : { type: 'function_call', id: id('fc'), call_id: callId, name: binding.name, arguments: call.function.arguments, status: 'completed' };
    if (binding.namespace !== undefined) item.namespace = binding.namespace;
    out.push(item);
    calls++;
  });
  if (Array.isArray(message.responses_items)) out.push(...(message.responses_items as OtherItem[]));
  if (text === '' && refusal === '' && calls === 0) {
    out.push({ id: id('msg'), type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: '', annotations: [], logprobs: [] }] });
  }
  return out;
}
