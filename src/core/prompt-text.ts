import type { ChatMessage } from './conversation.js';

/** The text of a message's content (text parts joined; images and audio have none). */
export function messageText(message: ChatMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) {
    if (part.type === 'text' && typeof part.text === 'string') out += (out === '' ? '' : '\n') + part.text;
  }
  return out;
}

/** The last user turn's text: what a person would call "the prompt". */
export function promptText(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m !== undefined && m.role === 'user') return messageText(m);
  }
  return '';
}
