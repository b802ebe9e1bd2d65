import type { AssistantTurn, CanonicalToolCall, ChatMessage, ContentPart, MessageContent } from '../../core/conversation.js';
import type { AnyInputItem, InputItem, InputPart } from './schema.js';
import { CARRIED_ITEM_TYPES } from './validate.js';
import { chatToolName } from './tools.js';

/**
 * Responses input items → the canonical (chat) conversation. Pure.
 *
 * `instructions` is the first system message; a `message` keeps its role (user, system, developer, assistant);
 * `input_text` and `output_text` parts are text, `input_image` an `image_url` part, `input_file` a `file` part;
 * consecutive assistant-side items (reasoning, an assistant message, function and custom tool calls) make one
 * assistant turn, with the reasoning text in `reasoning_content` (history hygiene strips it or keeps it as for chat)
 * and each call a tool call whose id is the item's `call_id`; `function_call_output` and `custom_tool_call_output`
 * are `tool` messages. A tool message holds text only (OpenAI's Chat Completions: "Image URLs are only allowed for
 * messages with role 'user'"; vLLM likewise), so an output's images and files follow, once every call of the turn
 * is answered, in a user message, and the tool message keeps the output's text (or says where the output went).
 * Items a chat conversation cannot hold (hosted-tool calls) are left out and counted.
 */

/** The tool message's text when an output was only images or files, all moved to the user message after it. */
export const OUTPUT_MOVED_NOTE = '(The output is attached in the next message.)';

export interface MappedConversation {
  messages: ChatMessage[];
  /** Types of the input items left out (each once). */
  skipped: string[];
}

function mapPart(part: InputPart): ContentPart {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: part.text };
    case 'refusal':
      return { type: 'text', text: part.refusal };
    case 'input_image': {
      const url = part.image_url ?? part.file_id ?? '';
      const detail = part.detail === 'original' ? 'high' : part.detail;
      return { type: 'image_url', image_url: detail === undefined || detail === null ? { url } : { url, detail } };
    }
    case 'input_file': {
      const file: Record<string, unknown> = {};
      if (part.file_data !== undefined) file.file_data = part.file_data;
      if (typeof part.file_id === 'string') file.file_id = part.file_id;
      if (part.filename !== undefined) file.filename = part.filename;
      if (part.file_url !== undefined) file.file_url = part.file_url;
      return { type: 'file', file };
    }
  }
}

/**
 * Content in chat form: a string stays a string; parts that are all text become one string when there is one of
 * them, or for roles whose chat content many servers accept only as text (system, developer, assistant, tool).
 */
function mapContent(content: string | InputPart[], joinText: boolean): MessageContent {
  if (typeof content === 'string') return content;
  const parts = content.map(mapPart);
  const allText = parts.every((p) => p.type === 'text');
  if (allText && (parts.length === 1 || joinText)) return parts.map((p) => p.text ?? '').join('\n');
  return parts;
}

const textOf = (parts: ReadonlyArray<{ text: string }> | null | undefined): string =>
  (parts ?? []).map((p) => p.text).join('\n');

export function itemsToMessages(instructions: string | null | undefined, items: readonly AnyInputItem[]): MappedConversation {
  const messages: ChatMessage[] = [];
  const skipped: string[] = [];
  if (typeof instructions === 'string' && instructions !== '') messages.push({ role: 'system', content: instructions });
  let turn: AssistantTurn | null = null;
  const assistant = (): AssistantTurn => (turn ??= { role: 'assistant', content: null });
  const addCall = (call: CanonicalToolCall): void => {
    const t = assistant();
    (t.tool_calls ??= []).push(call);
  };
  const flush = (): void => {
    if (turn !== null) messages.push(turn);
    turn = null;
  };
  /** Images and files from tool outputs, sent as a user message once the run of tool messages ends. */
  let media: ContentPart[] = [];
  const flushMedia = (): void => {
    if (media.length > 0) messages.push({ role: 'user', content: media });
    media = [];
  };

  for (const item of items) {
    if (CARRIED_ITEM_TYPES.has(item.type)) {
      if (!skipped.includes(item.type)) skipped.push(item.type);
      continue;
    }
    const typed = item as InputItem;
    if (typed.type !== 'function_call_output' && typed.type !== 'custom_tool_call_output') flushMedia();
    switch (typed.type) {
      case 'message': {
        const m = typed;
        if (m.role !== 'assistant') {
          flush();
          messages.push({ role: m.role, content: mapContent(m.content, m.role !== 'user') });
          break;
        }
        // A second assistant text in a row is a new turn; text after reasoning or calls joins their turn.
        if (turn !== null && typeof (turn as AssistantTurn).content === 'string') flush();
        const t = assistant();
        if (typeof m.content === 'string') t.content = m.content;
        else {
          const refusal = m.content.filter((p) => p.type === 'refusal').map((p) => (p as { refusal: string }).refusal).join('\n');
          const text = m.content.filter((p) => p.type !== 'refusal');
          t.content = mapContent(text, true);
          if (refusal !== '') t.refusal = refusal;
        }
        break;
      }
      case 'reasoning': {
        const r = typed;
        const text = textOf(r.content) || textOf(r.summary);
        // A reasoning item opens the assistant turn it belongs to (a new one after an assistant text).
        if (turn !== null && ((turn as AssistantTurn).content !== null || (turn as AssistantTurn).tool_calls !== undefined)) flush();
        if (text !== '') {
          const t = assistant();
          t.reasoning_content = (typeof t.reasoning_content === 'string' && t.reasoning_content !== '' ? `${t.reasoning_content}\n` : '') + text;
        }
        break;
      }
      case 'function_call': {
        const c = typed;
        addCall({ id: c.call_id, type: 'function', function: { name: chatToolName(c.name, c.namespace), arguments: c.arguments } });
        break;
      }
      case 'custom_tool_call': {
        const c = typed;
        addCall({ id: c.call_id, type: 'function', function: { name: chatToolName(c.name, c.namespace), arguments: JSON.stringify({ input: c.input }) } });
        break;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        const o = typed;
        flush();
        const content = mapContent(o.output, true);
        if (typeof content === 'string') {
          messages.push({ role: 'tool', tool_call_id: o.call_id, content });
          break;
        }
        const text = content.filter((p) => p.type === 'text').map((p) => p.text ?? '').join('\n');
        media.push(...content.filter((p) => p.type !== 'text'));
        messages.push({ role: 'tool', tool_call_id: o.call_id, content: text === '' ? OUTPUT_MOVED_NOTE : text });
        break;
      }
    }
  }
  flush();
  flushMedia();
  return { messages, skipped };
}
