import type { ChatCompletionChunk, ChunkDelta, Usage } from '../../core/types.js';
import { isRecord, reasoningOf } from '../../core/types.js';
import { bindingFor, customInput, type ToolBinding } from './tools.js';
import { failureCode, responseObject, responseUsage, statusFor, type ResponseContext } from './response.js';
import type { CustomToolCallItem, FunctionCallItem, MessageItem, OtherItem, OutputItem, ReasoningItem, ResponseObject } from './types.js';

/**
 * Canonical (chat) deltas → Responses output items and stream events, in the order and shape OpenAI sends them:
 * `response.created`, `response.in_progress`; per item `response.output_item.added`, `response.content_part.added`
 * (a `reasoning_text` part for reasoning, `output_text` or `refusal` for the message), the deltas and their `.done`,
 * `response.content_part.done`, `response.output_item.done`; `response.function_call_arguments.delta/.done` and
 * `response.custom_tool_call_input.delta/.done` for calls; then `response.completed` (or `.incomplete`, `.failed`).
 * Every event has `sequence_number` from 0; frames are `event: <type>` + `data: <json>` (no `[DONE]`).
 * Source: `ResponseStreamEvent` in the `openai` SDK and its `ResponseAccumulator`, which `.stream()` runs.
 *
 * One class serves live streams and replays of cached answers; the JSON answer's items are built directly by
 * output.ts, in the same order with the same ids (a test holds the three together). Pure: returns text, no I/O.
 */

/** Extension fields a native Responses upstream's reader puts on a canonical delta (see upstream/responses-reader). */
export interface NativeDeltaFields {
  /** A whole output item the canonical answer cannot represent (web_search_call, …): passed through. */
  responses_item?: OtherItem;
  /** The reasoning item's encrypted content (`include: ["reasoning.encrypted_content"]`). */
  reasoning_encrypted_content?: string;
}

interface OpenText {
  item: MessageItem | ReasoningItem;
  index: number;
  /** The open part: its kind and text so far. */
  part: 'output_text' | 'refusal' | 'reasoning_text' | null;
  text: string;
}

interface OpenCall {
  item: FunctionCallItem | CustomToolCallItem;
  index: number;
  toolIndex: number;
  binding: ToolBinding;
  args: string;
}

/**
 * One Responses API event as OpenAI frames it: an `event:` field naming the type, then the `data:` JSON carrying the
 * same `type` and the stream's `sequence_number`. Source: OpenAI API reference, "Streaming events" (Responses).
 */
export const responseEvent = (type: string, sequenceNumber: number, payload: Record<string, unknown>): string =>
  `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequenceNumber, ...payload })}\n\n`;

export class ResponseEncoder {
  readonly output: Array<OutputItem | OtherItem> = [];
  /** The answer holds something a cached canonical answer would lose (passed-through items, encrypted reasoning). */
  lossy = false;
  private seq = 0;
  private open: OpenText | null = null;
  private call: OpenCall | null = null;
  private items = 0;
  private finishReason: string | null = null;
  private usage: Usage | null = null;
  private createdAt = 0;
  private model = '';

  constructor(private readonly ctx: ResponseContext) {}

  private emit(type: string, payload: Record<string, unknown>): string {
    return responseEvent(type, this.seq++, payload);
  }

  private snapshot(status: ResponseObject['status'], extra: Partial<Parameters<typeof responseObject>[1]> = {}): ResponseObject {
    return responseObject(this.ctx, { status, createdAt: this.createdAt, model: this.model, output: this.output, ...extra });
  }

  /** `response.created` and `response.in_progress`. */
  start(createdAt: number, model: string): string {
    this.createdAt = createdAt;
    this.model = model;
    const response = this.snapshot('in_progress');
    return this.emit('response.created', { response }) + this.emit('response.in_progress', { response });
  }

  private nextId(prefix: string): string {
    return `${prefix}_${this.ctx.seed}${(this.items++).toString(16).padStart(2, '0')}`;
  }

  private addItem(item: OutputItem | OtherItem): { index: number; text: string } {
    const index = this.output.length;
    this.output.push(item);
    // No copy: the event is serialised now, so it shows the item as it is at this moment.
    return { index, text: this.emit('response.output_item.added', { output_index: index, item }) };
  }

  private openReasoning(): string {
    if (this.open?.item.type === 'reasoning') return '';
    let out = this.closeAll();
    const item: ReasoningItem = { id: this.nextId('rs'), type: 'reasoning', summary: [], content: [], status: 'in_progress' };
    const added = this.addItem(item);
    this.open = { item, index: added.index, part: null, text: '' };
    out += added.text;
    return out;
  }

  private openMessage(): string {
    if (this.open?.item.type === 'message') return '';
    let out = this.closeAll();
    const item: MessageItem = { id: this.nextId('msg'), type: 'message', role: 'assistant', status: 'in_progress', content: [] };
    const added = this.addItem(item);
    this.open = { item, index: added.index, part: null, text: '' };
    out += added.text;
    return out;
  }

  /** Opens the part kind on the open item (closing another part first). */
  private openPart(kind: 'output_text' | 'refusal' | 'reasoning_text'): string {
    const open = this.open;
    if (open === null || open.part === kind) return '';
    let out = this.closePart();
    const part = kind === 'output_text' ? { type: kind, text: '', annotations: [], logprobs: [] } : kind === 'refusal' ? { type: kind, refusal: '' } : { type: kind, text: '' };
    open.part = kind;
    open.text = '';
    const contentIndex = (open.item.content ?? []).length;
    out += this.emit('response.content_part.added', { item_id: open.item.id, output_index: open.index, content_index: contentIndex, part });
    return out;
  }

  private closePart(): string {
    const open = this.open;
    if (open === null || open.part === null) return '';
    const base = { item_id: open.item.id, output_index: open.index, content_index: (open.item.content ?? []).length };
    let out = '';
    let part;
    if (open.part === 'output_text') {
      part = { type: 'output_text' as const, text: open.text, annotations: [], logprobs: [] };
      out += this.emit('response.output_text.done', { ...base, text: open.text, logprobs: [] });
    } else if (open.part === 'refusal') {
      part = { type: 'refusal' as const, refusal: open.text };
      out += this.emit('response.refusal.done', { ...base, refusal: open.text });
    } else {
      part = { type: 'reasoning_text' as const, text: open.text };
      out += this.emit('response.reasoning_text.done', { ...base, text: open.text });
    }
    (open.item.content as unknown[]).push(part);
    out += this.emit('response.content_part.done', { ...base, part });
    open.part = null;
    open.text = '';
    return out;
  }

  private closeText(status: 'completed' | 'incomplete'): string {
    const open = this.open;
    if (open === null) return '';
    let out = this.closePart();
    open.item.status = status;
    out += this.emit('response.output_item.done', { output_index: open.index, item: open.item });
    this.open = null;
    return out;
  }

  private closeCall(status: 'completed' | 'incomplete'): string {
    const call = this.call;
    if (call === null) return '';
    this.call = null;
    const base = { item_id: call.item.id, output_index: call.index };
    let out = '';
    if (call.item.type === 'custom_tool_call') {
      // A custom tool's input arrives as JSON (`{"input": …}`) from a chat upstream: decoded once complete.
      const input = customInput(call.args);
      call.item.input = input;
      if (input !== '') out += this.emit('response.custom_tool_call_input.delta', { ...base, delta: input });
      out += this.emit('response.custom_tool_call_input.done', { ...base, input });
    } else {
      call.item.arguments = call.args;
      call.item.status = status;
      out += this.emit('response.function_call_arguments.done', { ...base, name: call.item.name, arguments: call.args });
    }
    out += this.emit('response.output_item.done', { output_index: call.index, item: call.item });
    return out;
  }

  private closeAll(status: 'completed' | 'incomplete' = 'completed'): string {
    return this.closeText(status) + this.closeCall(status);
  }

  private text(kind: 'output_text' | 'refusal' | 'reasoning_text', delta: string): string {
    let out = kind === 'reasoning_text' ? this.openReasoning() : this.openMessage();
    out += this.openPart(kind);
    const open = this.open as OpenText;
    open.text += delta;
    const base = { item_id: open.item.id, output_index: open.index, content_index: (open.item.content ?? []).length, delta };
    const type = kind === 'output_text' ? 'response.output_text.delta' : kind === 'refusal' ? 'response.refusal.delta' : 'response.reasoning_text.delta';
    return out + this.emit(type, kind === 'output_text' ? { ...base, logprobs: [] } : base);
  }

  private toolCall(t: NonNullable<ChunkDelta['tool_calls']>[number]): string {
    let out = '';
    const index = t.index ?? 0;
    if (this.call !== null && this.call.toolIndex !== index) out += this.closeCall('completed');
    if (this.call === null) {
      out += this.closeText('completed');
      const chatName = t.function?.name ?? '';
      const binding = bindingFor(this.ctx.toolMapping, chatName);
      const callId = t.id !== undefined && t.id !== '' ? t.id : `call_${this.ctx.seed.slice(0, 24)}${index}`;
      const item: FunctionCallItem | CustomToolCallItem = binding.kind === 'custom'
        ? { type: 'custom_tool_call', id: this.nextId('ctc'), call_id: callId, name: binding.name, input: '' }
        : { type: 'function_call', id: this.nextId('fc'), call_id: callId, name: binding.name, arguments: '', status: 'in_progress' };
      if (binding.namespace !== undefined) item.namespace = binding.namespace;
      const added = this.addItem(item);
      out += added.text;
      this.call = { item, index: added.index, toolIndex: index, binding, args: '' };
    }
    const piece = t.function?.arguments ?? '';
    const call = this.call as OpenCall;
    if (piece !== '') {
      call.args += piece;
      if (call.item.type === 'function_call') out += this.emit('response.function_call_arguments.delta', { item_id: call.item.id, output_index: call.index, delta: piece });
    }
    return out;
  }

  /** One canonical delta (choice 0: the Responses API has one answer per response). */
  chunk(chunk: ChatCompletionChunk): string {
    if (chunk.usage) this.usage = chunk.usage;
    if (this.model === '' && typeof chunk.model === 'string') this.model = chunk.model;
    const choice = Array.isArray(chunk.choices) ? chunk.choices.find((c) => (c.index ?? 0) === 0) : undefined;
    if (choice === undefined) return '';
    const d = (choice.delta ?? {}) as ChunkDelta & NativeDeltaFields;
    let out = '';
    const reasoning = reasoningOf(d);
    if (reasoning !== '' && this.ctx.reasoningOutput !== 'strip') out += this.text('reasoning_text', reasoning);
    if (typeof d.reasoning_encrypted_content === 'string') {
      out += this.openReasoning();
      ((this.open as OpenText).item as ReasoningItem).encrypted_content = d.reasoning_encrypted_content;
      this.lossy = true;
    }
    if (typeof d.content === 'string' && d.content !== '') out += this.text('output_text', d.content);
    if (typeof d.refusal === 'string' && d.refusal !== '') out += this.text('refusal', d.refusal);
    if (Array.isArray(d.tool_calls)) for (const t of d.tool_calls) out += this.toolCall(t);
    if (isRecord(d.responses_item)) {
      out += this.closeAll();
      const item = d.responses_item;
      const added = this.addItem(item);
      out += added.text + this.emit('response.output_item.done', { output_index: added.index, item });
      this.lossy = true;
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    return out;
  }

  /**
   * Closes the open items and builds the final response. An answer with neither text nor calls still gets its
   * (empty) message, as OpenAI's does. `usage` and `finishReason` override what the deltas said (the folded answer).
   */
  finish(finishReason: string | null | undefined, usage: Usage | null | undefined): { response: ResponseObject; text: string } {
    let text = this.closeAll();
    if (!this.output.some((i) => i.type === 'message' || i.type === 'function_call' || i.type === 'custom_tool_call')) {
      text += this.openMessage() + this.openPart('output_text') + this.closeAll();
    }
    const { status, incomplete } = statusFor(finishReason ?? this.finishReason);
    return { response: this.snapshot(status, { usage: responseUsage(usage ?? this.usage), incomplete }), text };
  }

  /** `response.completed` / `response.incomplete` for the final response. */
  completed(response: ResponseObject): string {
    return this.emit(response.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response });
  }

  /** The stream failed after it began: open items closed as incomplete, then `response.failed`. */
  fail(status: number, message: string): string {
    let out = this.closeAll('incomplete');
    const response = this.snapshot('failed', { usage: responseUsage(this.usage), error: { code: failureCode(status), message } });
    out += this.emit('response.failed', { response });
    return out;
  }
}
