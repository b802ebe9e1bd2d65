import type { ChatCompletion, ChatCompletionChunk, CompletionChoice, ToolCall, Usage } from './types.js';

/** Tool-call delta fields folded by their own rule (index only places the delta). */
const TOOL_CALL_DELTA_KEYS: ReadonlySet<string> = new Set(['index', 'id', 'type', 'function']);

/**
 * Folds stream chunks into the completion the non-stream path would have produced, so that caching and
 * accounting see one shape whichever way the answer travelled. Folding follows the official openai SDK's
 * ChatCompletionStream accumulation: `id`, `type`, `function.name` and `role` are set; `content`, `refusal`,
 * reasoning and `function.arguments` are appended.
 */
export class CompletionAssembler {
  private id = '';
  private created = 0;
  private model = '';
  private systemFingerprint: string | null | undefined;
  private usage: Usage | null = null;
  private readonly choices = new Map<number, CompletionChoice & { toolCalls: Map<number, ToolCall> }>();
  chunkCount = 0;

  add(chunk: ChatCompletionChunk): void {
    this.chunkCount++;
    if (this.id === '' && typeof chunk.id === 'string') this.id = chunk.id;
    if (this.created === 0 && typeof chunk.created === 'number') this.created = chunk.created;
    if (this.model === '' && typeof chunk.model === 'string') this.model = chunk.model;
    if (chunk.system_fingerprint !== undefined) this.systemFingerprint = chunk.system_fingerprint;
    if (chunk.usage) this.usage = chunk.usage;
    if (!Array.isArray(chunk.choices)) return;
    for (const c of chunk.choices) {
      const choice = this.choiceAt(c.index ?? 0);
      const d = c.delta ?? {};
      const m = choice.message;
      // The official SDK's rules (ChatCompletionStream): identifying fields are set, text and arguments appended;
      // empty strings change nothing (a role chunk's `content: ""` leaves a tool-call answer's content null).
      if (typeof d.role === 'string' && d.role !== '') m.role = d.role as 'assistant';
      if (typeof d.content === 'string' && d.content !== '') m.content = (m.content ?? '') + d.content;
      if (typeof d.reasoning_content === 'string' && d.reasoning_content !== '') m.reasoning_content = (m.reasoning_content ?? '') + d.reasoning_content;
      if (typeof d.reasoning === 'string' && d.reasoning !== '') m.reasoning = (m.reasoning ?? '') + d.reasoning;
      if (typeof d.refusal === 'string' && d.refusal !== '') m.refusal = (m.refusal ?? '') + d.refusal;
      if (Array.isArray(d.tool_calls)) {
        for (const t of d.tool_calls) {
          const idx = t.index ?? 0;
          let call = choice.toolCalls.get(idx);
          if (call === undefined) {
            call = { id: '', type: 'function', function: { name: '', arguments: '' } };
            choice.toolCalls.set(idx, call);
          }
          // Other fields a provider puts on a call (Gemini's extra_content with its thought signature, needed
          // back on the next turn) are set as the SDK sets them; `index` belongs to the delta only.
          for (const key in t) if (!TOOL_CALL_DELTA_KEYS.has(key) && t[key] !== undefined && t[key] !== null) (call as unknown as Record<string, unknown>)[key] = t[key];
          // Some providers resend id, type and name in every delta: set, never appended.
          if (t.id) call.id = t.id;
          if (t.type) call.type = t.type;
          if (t.function?.name) call.function.name = t.function.name;
          if (t.function?.arguments) call.function.arguments += t.function.arguments;
        }
      }
      if (c.logprobs !== undefined && c.logprobs !== null) choice.logprobs = mergeLogprobs(choice.logprobs, c.logprobs);
      if (c.finish_reason) choice.finish_reason = c.finish_reason;
    }
  }

  /** True when every choice seen has a finish_reason: a stream that ended without one was cut. */
  get complete(): boolean {
    if (this.choices.size === 0) return false;
    for (const c of this.choices.values()) if (c.finish_reason === null) return false;
    return true;
  }

  /**
   * The chunk that completes a stream the upstream ended with `[DONE]` but left choices open (no `finish_reason`):
   * `[DONE]` is a completion signal, so each open choice finishes with `tool_calls` when it streamed tool calls,
   * else `stop`. Not folded yet: the caller normalises, folds and sends it like any chunk. null when nothing is open.
   */
  finishChunk(): ChatCompletionChunk | null {
    const choices: ChatCompletionChunk['choices'] = [];
    for (const c of this.choices.values()) {
      if (c.finish_reason === null) choices.push({ index: c.index, delta: {}, finish_reason: c.toolCalls.size > 0 ? 'tool_calls' : 'stop', logprobs: null });
    }
    if (choices.length === 0) return null;
    const chunk: ChatCompletionChunk = { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices };
    if (this.systemFingerprint !== undefined) chunk.system_fingerprint = this.systemFingerprint;
    return chunk;
  }

  get hasUsage(): boolean {
    return this.usage !== null;
  }

  result(): ChatCompletion {
    const choices = [...this.choices.values()]
      .sort((a, b) => a.index - b.index)
      .map(({ toolCalls, ...choice }) => {
        const message = { ...choice.message };
        if (toolCalls.size > 0) message.tool_calls = [...toolCalls.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => t);
        return { ...choice, message };
      });
    const completion: ChatCompletion = {
      id: this.id,
      object: 'chat.completion',
      created: this.created,
      model: this.model,
      choices,
      usage: this.usage,
    };
    if (this.systemFingerprint !== undefined) completion.system_fingerprint = this.systemFingerprint;
    return completion;
  }

  private choiceAt(index: number): CompletionChoice & { toolCalls: Map<number, ToolCall> } {
    let choice = this.choices.get(index);
    if (choice === undefined) {
      choice = { index, message: { role: 'assistant', content: null }, finish_reason: null, logprobs: null, toolCalls: new Map() };
      this.choices.set(index, choice);
    }
    return choice;
  }
}

function mergeLogprobs(existing: unknown, next: unknown): unknown {
  const a = existing as { content?: unknown[] } | null | undefined;
  const b = next as { content?: unknown[] };
  if (!a || !Array.isArray(a.content)) return b;
  if (!Array.isArray(b.content)) return a;
  return { ...a, content: [...a.content, ...b.content] };
}
