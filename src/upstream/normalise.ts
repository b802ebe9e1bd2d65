import type { ChatCompletion, ChatCompletionChunk, ChunkDelta, AssistantMessage } from '../core/types.js';
import { ThinkTagSplitter } from './think-tags.js';

/**
 * Reasoning text arrives as `reasoning_content` (DeepSeek), `reasoning` (newer vLLM) or `<think>` tags in content
 * (raw Qwen3 / R1 distills). The client gets it in one field, chosen by `reasoning.output`.
 */
export type ReasoningOutput = 'reasoning_content' | 'reasoning' | 'strip';

interface ReasoningCarrier {
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
}

/** Moves reasoning from whichever field the upstream used into `extra` + the configured field. Returns true if changed. */
function placeReasoning(target: ReasoningCarrier, extra: string, output: ReasoningOutput): boolean {
  const fromContent = target.reasoning_content;
  const fromReasoning = target.reasoning;
  const upstreamText = (typeof fromContent === 'string' ? fromContent : '') + (typeof fromReasoning === 'string' ? fromReasoning : '');
  const text = upstreamText + extra;
  const hadOther = output === 'reasoning_content' ? 'reasoning' in target : 'reasoning_content' in target;
  if (extra === '' && !hadOther && (output === 'strip' ? text === '' : true)) return false;
  delete target.reasoning_content;
  delete target.reasoning;
  if (output !== 'strip' && text !== '') target[output] = text;
  return true;
}

/** Per-stream normaliser: one splitter per choice index (n > 1 streams interleave choices). */
export class StreamNormaliser {
  private readonly splitters = new Map<number, ThinkTagSplitter>();

  constructor(private readonly output: ReasoningOutput) {}

  /** Normalises a chunk in place. Returns true when it changed (the caller must re-serialise it). */
  apply(chunk: ChatCompletionChunk): boolean {
    let changed = false;
    if (!Array.isArray(chunk.choices)) return false;
    for (const choice of chunk.choices) {
      const delta = choice.delta;
      if (delta === undefined || delta === null) continue;
      if (typeof delta.content === 'string' && delta.content.length > 0) {
        const splitter = this.splitterFor(choice.index);
        if (!splitter.passthrough) {
          const part = splitter.push(delta.content);
          if (part.content !== delta.content || part.reasoning !== '') {
            if (part.content === '') delete delta.content;
            else delta.content = part.content;
            placeReasoning(delta, part.reasoning, this.output);
            changed = true;
          }
        }
      }
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) changed = this.flushInto(choice.index, delta) || changed;
      if ('reasoning' in delta || 'reasoning_content' in delta) changed = placeReasoning(delta, '', this.output) || changed;
    }
    return changed;
  }

  /** Text held back at a chunk boundary (a possible tag) is released with the choice's finish chunk. */
  private flushInto(index: number, delta: ChunkDelta): boolean {
    const splitter = this.splitters.get(index);
    if (splitter === undefined) return false;
    const rest = splitter.flush();
    if (rest.content === '' && rest.reasoning === '') return false;
    if (rest.content !== '') delta.content = (delta.content ?? '') + rest.content;
    placeReasoning(delta, rest.reasoning, this.output);
    return true;
  }

  private splitterFor(index: number): ThinkTagSplitter {
    let s = this.splitters.get(index);
    if (s === undefined) {
      s = new ThinkTagSplitter();
      this.splitters.set(index, s);
    }
    return s;
  }
}

/** Normalises a non-streamed completion in place. */
export function normaliseCompletion(completion: ChatCompletion, output: ReasoningOutput): ChatCompletion {
  if (!Array.isArray(completion.choices)) return completion;
  for (const choice of completion.choices) {
    const message: AssistantMessage | undefined = choice.message;
    if (message === undefined || message === null) continue;
    let extra = '';
    if (typeof message.content === 'string' && message.content.length > 0) {
      const split = ThinkTagSplitter.splitAll([message.content]);
      message.content = split.content;
      extra = split.reasoning;
    }
    placeReasoning(message, extra, output);
  }
  return completion;
}
