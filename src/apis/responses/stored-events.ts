import { responseEvent } from './events.js';
import type { ResponseObject } from './types.js';

/**
 * A stored response as the event stream `GET /v1/responses/{id}?stream=true` sends: the lifecycle events around each
 * output item, every text in one delta (the answer is complete; nothing is gained by cutting it up), in the order
 * and shapes of a live stream (events.ts). `startingAfter` leaves out the events up to that sequence number, as
 * OpenAI's `starting_after` does for a client resuming a stream. Pure.
 */
export function storedResponseEvents(response: ResponseObject, startingAfter = -1): string {
  let seq = 0;
  let out = '';
  const emit = (type: string, payload: Record<string, unknown>): void => {
    const n = seq++;
    if (n > startingAfter) out += responseEvent(type, n, payload);
  };
  const { usage: _usage, ...rest } = response;
  const started = { ...rest, status: 'in_progress', output: [], completed_at: null };
  emit('response.created', { response: started });
  emit('response.in_progress', { response: started });
  response.output.forEach((item, output_index) => {
    const base = { item_id: item.id, output_index };
    const r = item as Record<string, unknown>;
    if (item.type === 'reasoning' || item.type === 'message') {
      const parts = (Array.isArray(r.content) ? r.content : []) as Array<{ type: string; text?: string; refusal?: string }>;
      emit('response.output_item.added', { output_index, item: { ...r, content: [], status: 'in_progress' } });
      parts.forEach((part, content_index) => {
        const at = { ...base, content_index };
        const empty = part.type === 'refusal' ? { ...part, refusal: '' } : { ...part, text: '' };
        emit('response.content_part.added', { ...at, part: empty });
        if (part.type === 'refusal') {
          emit('response.refusal.delta', { ...at, delta: part.refusal ?? '' });
          emit('response.refusal.done', { ...at, refusal: part.refusal ?? '' });
        } else if (part.type === 'output_text') {
          emit('response.output_text.delta', { ...at, delta: part.text ?? '', logprobs: [] });
          emit('response.output_text.done', { ...at, text: part.text ?? '', logprobs: [] });
        } else {
          emit('response.reasoning_text.delta', { ...at, delta: part.text ?? '' });
          emit('response.reasoning_text.done', { ...at, text: part.text ?? '' });
        }
        emit('response.content_part.done', { ...at, part });
      });
    } else if (item.type === 'function_call') {
      const args = typeof r.arguments === 'string' ? r.arguments : '';
      emit('response.output_item.added', { output_index, item: { ...r, arguments: '', status: 'in_progress' } });
      if (args !== '') emit('response.function_call_arguments.delta', { ...base, delta: args });
      emit('response.function_call_arguments.done', { ...base, name: r.name, arguments: args });
    } else if (item.type === 'custom_tool_call') {
      const input = typeof r.input === 'string' ? r.input : '';
      emit('response.output_item.added', { output_index, item: { ...r, input: '' } });
      if (input !== '') emit('response.custom_tool_call_input.delta', { ...base, delta: input });
      emit('response.custom_tool_call_input.done', { ...base, input });
    } else {
      emit('response.output_item.added', { output_index, item });
    }
    emit('response.output_item.done', { output_index, item });
  });
  emit(response.status === 'incomplete' ? 'response.incomplete' : response.status === 'failed' ? 'response.failed' : 'response.completed', { response });
  return out;
}
