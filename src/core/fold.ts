import type { ChatCompletion, ChatCompletionChunk, CompletionChoice, ToolCall, Usage } from './types.js';

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
