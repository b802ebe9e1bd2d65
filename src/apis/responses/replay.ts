import { reasoningOf, type ChatCompletion, type ChatCompletionChunk, type ChunkDelta } from '../../core/types.js';
import { splitText } from '../../core/split-text.js';
import { ResponseEncoder } from './events.js';
import { responseObject, responseUsage, statusFor, type ResponseContext } from './response.js';
import { outputItems } from './output.js';
import type { ResponseObject } from './types.js';

/**
 * A complete canonical answer (a cached one, or the JSON path's) as the canonical deltas a live stream would have
 * carried, so that one encoder (events.ts) builds the items and events whichever way the answer came. Pure.
 */

export const DEFAULT_PIECE_CHARS = 64;

/** The answer's first choice as deltas: reasoning, content, refusal, tool calls (id and name, then arguments), finish. */
export function answerDeltas(answer: ChatCompletion, pieceChars: number): ChatCompletionChunk[] {
  const base = { id: answer.id, object: 'chat.completion.chunk' as const, created: answer.created, model: answer.model };
  const choice = answer.choices[0];
  const chunks: ChatCompletionChunk[] = [];
  const push = (delta: ChunkDelta, finish: string | null = null): void => {
    chunks.push({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] });
  };
  const pieces = (text: string): string[] => (pieceChars === Infinity ? [text] : splitText(text, pieceChars));
  if (choice !== undefined) {
    const m = choice.message;
    const reasoning = reasoningOf(m);
    if (reasoning !== '') for (const piece of pieces(reasoning)) push({ reasoning_content: piece });
    // Items a native upstream gave that the canonical answer only carries (see upstream/responses-reader.ts).
    if (typeof m.reasoning_encrypted_content === 'string') push({ reasoning_encrypted_content: m.reasoning_encrypted_content });
    if (typeof m.content === 'string' && m.content !== '') for (const piece of pieces(m.content)) push({ content: piece });
    if (typeof m.refusal === 'string' && m.refusal !== '') for (const piece of pieces(m.refusal)) push({ refusal: piece });
    (m.tool_calls ?? []).forEach((call, index) => {
      push({ tool_calls: [{ index, id: call.id, type: call.type, function: { name: call.function.name, arguments: '' } }] });
      for (const piece of pieces(call.function.arguments)) push({ tool_calls: [{ index, function: { arguments: piece } }] });
    });
    if (Array.isArray(m.responses_items)) for (const item of m.responses_items) push({ responses_item: item });
    push({}, choice.finish_reason);
  }
  return chunks;
}

/** The answer as a finished `Response` object (the JSON path: items built directly, no events). */
export function answerResponse(answer: ChatCompletion, ctx: ResponseContext, createdAt: number, model: string): ResponseObject {
  const choice = answer.choices[0];
  const output = choice === undefined ? outputItems({ role: 'assistant', content: null }, ctx) : outputItems(choice.message, ctx);
  const { status, incomplete } = statusFor(choice?.finish_reason);
  return responseObject(ctx, { status, createdAt, model, output, usage: responseUsage(answer.usage), incomplete });
}

/**
 * A cached answer replayed as the full event stream, texts cut into pieces as a live stream would be. `complete`
 * (async: e.g. storing the response) runs before the closing `response.completed` event is written.
 */
export async function replayAnswer(
  answer: ChatCompletion,
  ctx: ResponseContext,
  createdAt: number,
  model: string,
  complete: (response: ResponseObject) => Promise<void>,
  pieceChars = DEFAULT_PIECE_CHARS,
): Promise<string> {
  const encoder = new ResponseEncoder(ctx);
  let out = encoder.start(createdAt, model);
  for (const chunk of answerDeltas(answer, pieceChars)) out += encoder.chunk(chunk);
  const { response, text } = encoder.finish(answer.choices[0]?.finish_reason, answer.usage);
  await complete(response);
  return out + text + encoder.completed(response);
}
