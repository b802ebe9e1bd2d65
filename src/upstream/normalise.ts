import type { ChatCompletion, ChatCompletionChunk, ChunkChoice, ChunkDelta, AssistantMessage, ReasoningCarrier } from '../core/types.js';
import { reasoningOf } from '../core/types.js';
import { repairToolCalls, ToolCallDeltaRepair } from './tool-calls.js';
import { closeFirstPair, DEFAULT_THINK_TAGS, ThinkTagSplitter, type ThinkTagPair } from './think-tags.js';

/**
 * Reasoning text arrives as `reasoning_content` (DeepSeek), `reasoning` (newer vLLM, OpenRouter, Ollama), both at
 * once (some vLLM versions: the same text twice) or tags in content (raw Qwen3 / R1 distills; pairs per upstream).
 * The client gets it in one field, chosen by `reasoning.output`.
 */
export type ReasoningOutput = 'reasoning_content' | 'reasoning' | 'strip';

/** Moves reasoning from whichever field the upstream used (+ `extra` split from tags) into the configured field. Returns true if changed. */
function placeReasoning(target: ReasoningCarrier, extra: string, output: ReasoningOutput): boolean {
  const text = reasoningOf(target) + extra;
  const hadOther = output === 'reasoning_content' ? 'reasoning' in target : 'reasoning_content' in target;
  if (extra === '' && !hadOther && (output === 'strip' ? text === '' : true)) return false;
  delete target.reasoning_content;
  delete target.reasoning;
  if (output !== 'strip' && text !== '') target[output] = text;
  return true;
}

/** True when the upstream filled either reasoning field. */
const carriesReasoning = (c: ReasoningCarrier): boolean => reasoningOf(c) !== '';

/** Per-stream normaliser: one splitter per choice index (n > 1 streams interleave choices). */
export class StreamNormaliser {
  private readonly splitters = new Map<number, ThinkTagSplitter>();
  /** Choices whose reasoning came in a reasoning field (not tags). */
  private readonly fieldReasoning = new Set<number>();
  private readonly toolCalls = new ToolCallDeltaRepair();
  /** Choices seen: the first delta of each carries the role (the SDK's fold refuses a choice without one). */
  private readonly started = new Set<number>();

  constructor(
    private readonly output: ReasoningOutput,
    private readonly tags: readonly ThinkTagPair[] = DEFAULT_THINK_TAGS,
  ) {}

  /** Normalises a chunk in place. Returns true when it changed (the caller must re-serialise it). */
  apply(chunk: ChatCompletionChunk): boolean {
    let changed = false;
    if (!Array.isArray(chunk.choices)) return false;
    for (let position = 0; position < chunk.choices.length; position++) {
      const choice = chunk.choices[position] as ChunkChoice;
      // A server that leaves out the choice's index: the SDK cannot place the delta; its position in the list can.
      if (typeof choice.index !== 'number') {
        choice.index = position;
        changed = true;
      }
      // A finish chunk without a delta still releases text held back at a chunk boundary.
      if ((choice.delta === undefined || choice.delta === null) && typeof choice.finish_reason === 'string' && choice.finish_reason !== '' && this.splitters.has(choice.index)) {
        choice.delta = {};
        changed = true;
      }
      const delta = choice.delta;
      if (delta === undefined || delta === null) continue;
      if (!this.started.has(choice.index)) {
        this.started.add(choice.index);
        if (typeof delta.role !== 'string' || delta.role === '') {
          delta.role = 'assistant';
          changed = true;
        }
      }
      if ('reasoning' in delta || 'reasoning_content' in delta) {
        if (carriesReasoning(delta)) this.fieldReasoning.add(choice.index);
        changed = placeReasoning(delta, '', this.output) || changed;
      }
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
      if (Array.isArray(delta.tool_calls)) changed = this.toolCalls.apply(choice.index, delta.tool_calls) || changed;
      // Some servers send finish_reason "" on every chunk: only a real one ends the choice (as the SDK reads it).
      if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') changed = this.flushInto(choice.index, delta) || changed;
    }
    return changed;
  }

  /**
   * Completes the folded answer of a finished stream for the cache: an answer whose content still holds a closing
   * tag first (it started inside a thinking block whose opening tag was in the prompt, and no `implicitOpen`
   * setting split it live) gets the text before that tag moved into reasoning, as a non-stream answer would.
   */
  finish(completion: ChatCompletion): ChatCompletion {
    for (const choice of completion.choices) {
      if (this.fieldReasoning.has(choice.index) || this.splitters.get(choice.index)?.sawThinking === true) continue;
      splitCloseFirst(choice.message, this.tags, this.output);
    }
    return completion;
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
      // Reasoning already came in a field: the content is the answer, whatever `implicitOpen` says.
      s = new ThinkTagSplitter(this.tags, this.fieldReasoning.has(index) ? null : undefined);
      this.splitters.set(index, s);
    }
    return s;
  }
}

/** Moves the text before a leading closing tag into reasoning. */
function splitCloseFirst(message: AssistantMessage, tags: readonly ThinkTagPair[], output: ReasoningOutput): void {
  if (typeof message.content !== 'string') return;
  const pair = closeFirstPair(message.content, tags);
  if (pair === undefined) return;
  const split = ThinkTagSplitter.splitAll([message.content], tags, pair);
  message.content = split.content;
  placeReasoning(message, split.reasoning, output);
}

/**
 * Normalises a non-streamed completion in place: reasoning fields merged into the configured one, tag blocks
 * split out of content (a leading closing tag included, see `ThinkTagSplitter.splitComplete`).
 */
export function normaliseCompletion(completion: ChatCompletion, output: ReasoningOutput, tags: readonly ThinkTagPair[] = DEFAULT_THINK_TAGS): ChatCompletion {
  if (!Array.isArray(completion.choices)) return completion;
  for (const choice of completion.choices) {
    const message: AssistantMessage | undefined = choice.message;
    if (message === undefined || message === null) continue;
    // vLLM sends `tool_calls: []`, SGLang `tool_calls: null`, on answers without calls; OpenAI leaves the key out,
    // and so does a folded stream: one shape whichever way the answer came.
    if (message.tool_calls === null || (Array.isArray(message.tool_calls) && message.tool_calls.length === 0)) delete message.tool_calls;
    else repairToolCalls(message);
    // A complete answer without a finish_reason (some servers send null): the one a stream's [DONE] implies.
    if (choice.finish_reason === null || choice.finish_reason === undefined || choice.finish_reason === '') {
      choice.finish_reason = Array.isArray(message.tool_calls) && message.tool_calls.length > 0 ? 'tool_calls' : 'stop';
    }
    let extra = '';
    if (typeof message.content === 'string' && message.content.length > 0) {
      // Reasoning already in a field: only a leading block is split, never a closing tag the answer mentions.
      const split = carriesReasoning(message)
        ? ThinkTagSplitter.splitAll([message.content], tags, null)
        : ThinkTagSplitter.splitComplete(message.content, tags);
      message.content = split.content;
      extra = split.reasoning;
    }
    placeReasoning(message, extra, output);
  }
  return completion;
}
