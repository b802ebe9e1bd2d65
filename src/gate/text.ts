import type { GateInput } from './types.js';

/**
 * Pulls the text a gate scores out of a conversation. Pure and allocation-bounded:
 * whatever the request size, at most `headChars + tailChars` characters of any one turn are kept,
 * because a 10 MB paste should cost the gate no more than a 12 KB one.
 */

export interface TextBounds {
  /** Characters kept from the start of a long turn (where the instruction usually is). */
  headChars: number;
  /** Characters kept from the end (where the actual question usually is). */
  tailChars: number;
}

export const DEFAULT_TEXT_BOUNDS: TextBounds = { headChars: 8 * 1024, tailChars: 4 * 1024 };
const SYSTEM_BOUNDS: TextBounds = { headChars: 2 * 1024, tailChars: 0 };
const PART_SEPARATOR = '\n';
const ELISION = '\n…\n';

export interface ConversationView {
  /** Text of the last user turn, bounded. Empty when there is none. */
  lastUserText: string;
  /** Length of the last user turn before bounding (UTF-16 units). */
  lastUserChars: number;
  /** Text of the user turn before the last one, bounded; empty when there is none. */
  previousUserText: string;
  /** Whether the assistant reply after the previous user turn carried reasoning (reasoning_content / reasoning). */
  previousAssistantReasoned: boolean;
  /** System / developer prompt text, bounded to its head. */
  systemText: string;
  hasSystem: boolean;
  /** Number of user turns in the conversation. */
  userTurns: number;
  hasTools: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Text parts of a message content (string or parts array); images and unknown parts are skipped. */
function textPieces(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  const pieces: string[] = [];
  for (const part of content) {
    if (isRecord(part) && part['type'] === 'text' && typeof part['text'] === 'string') pieces.push(part['text']);
  }
  return pieces;
}

/** Keeps head and tail of a long text; short texts come back unchanged (no copy). */
export function boundText(text: string, bounds: TextBounds = DEFAULT_TEXT_BOUNDS): string {
  if (text.length <= bounds.headChars + bounds.tailChars) return text;
  const head = text.slice(0, bounds.headChars);
  return bounds.tailChars > 0 ? head + ELISION + text.slice(text.length - bounds.tailChars) : head;
}

function boundedPieces(pieces: readonly string[], bounds: TextBounds): { text: string; chars: number } {
  let chars = 0;
  for (const piece of pieces) chars += piece.length;
  chars += Math.max(0, pieces.length - 1) * PART_SEPARATOR.length;
  if (pieces.length <= 1) return { text: boundText(pieces[0] ?? '', bounds), chars };
  if (chars <= bounds.headChars + bounds.tailChars) return { text: pieces.join(PART_SEPARATOR), chars };
  // Many parts adding up to a huge text: take from the front and the back without joining everything.
  let head = '';
  for (const piece of pieces) {
    head += (head ? PART_SEPARATOR : '') + piece.slice(0, bounds.headChars - head.length);
    if (head.length >= bounds.headChars) break;
  }
  let tail = '';
  for (let i = pieces.length - 1; i >= 0 && tail.length < bounds.tailChars; i--) {
    const piece = pieces[i] ?? '';
    const room = bounds.tailChars - tail.length;
    tail = piece.slice(Math.max(0, piece.length - room)) + (tail ? PART_SEPARATOR : '') + tail;
  }
  // Separators can push either end a few characters over its budget: cut back to it.
  head = head.slice(0, bounds.headChars);
  tail = tail.slice(Math.max(0, tail.length - bounds.tailChars));
  return { text: bounds.tailChars > 0 ? head + ELISION + tail : head, chars };
}

/** Bounded text of one message's content. */
export function contentText(content: unknown, bounds: TextBounds = DEFAULT_TEXT_BOUNDS): string {
  return boundedPieces(textPieces(content), bounds).text;
}

function hasReasoning(message: Record<string, unknown>): boolean {
  const carried = message['reasoning_content'] ?? message['reasoning'];
  return typeof carried === 'string' && carried.trim().length > 0;
}

function messageAt(messages: readonly unknown[], index: number): Record<string, unknown> | undefined {
  const message = index >= 0 ? messages[index] : undefined;
  return isRecord(message) ? message : undefined;
}

export function viewConversation(input: GateInput, bounds: TextBounds = DEFAULT_TEXT_BOUNDS): ConversationView {
  const messages: readonly unknown[] = Array.isArray(input.messages) ? input.messages : [];
  let lastUserIndex = -1;
  let previousUserIndex = -1;
  let userTurns = 0;
  const systemPieces: string[] = [];
  // Plain loops, no callbacks: this runs on every request.
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index];
    if (!isRecord(message)) continue;
    const role = message['role'];
    if (role === 'user') {
      userTurns++;
      previousUserIndex = lastUserIndex;
      lastUserIndex = index;
    } else if ((role === 'system' || role === 'developer') && systemPieces.length < 8) {
      for (const piece of textPieces(message['content'])) systemPieces.push(piece);
    }
  }
  const last = boundedPieces(textPieces(messageAt(messages, lastUserIndex)?.['content']), bounds);
  let previousAssistantReasoned = false;
  if (previousUserIndex >= 0) {
    for (let i = previousUserIndex + 1; i < lastUserIndex; i++) {
      const message = messageAt(messages, i);
      if (message?.['role'] === 'assistant' && hasReasoning(message)) previousAssistantReasoned = true;
    }
  }
  const systemText = boundedPieces(systemPieces, SYSTEM_BOUNDS).text;
  return {
    lastUserText: last.text,
    lastUserChars: last.chars,
    previousUserText: previousUserIndex >= 0 ? contentText(messageAt(messages, previousUserIndex)?.['content'], bounds) : '',
    previousAssistantReasoned,
    systemText,
    hasSystem: systemText.trim().length > 0,
    userTurns,
    hasTools: Array.isArray(input.tools) && input.tools.length > 0,
  };
}
