import { GatewayError } from '../../errors.js';
import { isRecord } from '../../core/types.js';
import type { AnyInputItem } from './schema.js';
import type { ResponsesStore, StoredInputItem, StoredResponse } from './store.js';

/**
 * Conversation state the gateway owns: the history a `previous_response_id` stands for, the request's input items
 * as stored (with ids, in the shapes `input_items` lists), and the `input_items` page. Pure but for the store read.
 */

const notFound = (id: string, param: string | null): GatewayError =>
  new GatewayError(404, `${param === null ? 'Response' : 'Previous response'} with id '${id}' not found.`, {
    param,
    code: param === null ? 'response_not_found' : 'previous_response_not_found',
  });

/** The stored response, or a 404 naming it. */
export async function loadResponse(store: ResponsesStore, tenant: string, id: string, param: string | null = null): Promise<StoredResponse> {
  const stored = await store.get(tenant, id);
  if (stored === null) throw notFound(id, param);
  return stored;
}

/** The conversation up to and including a stored response: its history, its input, then its output. */
export const conversationOf = (stored: StoredResponse): AnyInputItem[] => [...stored.history, ...stored.input, ...(stored.response.output as AnyInputItem[])];

const ID_PREFIX: Record<string, string> = {
  message: 'msg',
  function_call: 'fc',
  function_call_output: 'fco',
  custom_tool_call: 'ctc',
  custom_tool_call_output: 'ctco',
  reasoning: 'rs',
};

const withAnnotations = (part: unknown): unknown =>
  isRecord(part) && part.type === 'output_text' && !Array.isArray(part.annotations) ? { ...part, annotations: [] } : part;

/**
 * One input item in its stored form (an id, the fields of its `ResponseItem` type): message text as parts, items
 * the API lists with a status marked `completed`. Carried items are kept as given.
 */
function storedItem(item: AnyInputItem, id: string): StoredInputItem {
  const r = item as Record<string, unknown>;
  switch (item.type) {
    case 'message': {
      const assistant = r.role === 'assistant';
      const content = typeof r.content === 'string'
        ? [assistant ? { type: 'output_text', text: r.content, annotations: [] } : { type: 'input_text', text: r.content }]
        : (r.content as unknown[]).map(withAnnotations);
      return { type: 'message', id, role: r.role, content, status: 'completed' } as StoredInputItem;
    }
    case 'function_call':
    case 'custom_tool_call': {
      const { status: _s, ...rest } = r;
      return { ...rest, id, status: 'completed' } as StoredInputItem;
    }
    case 'function_call_output':
    case 'custom_tool_call_output':
      return { type: item.type, id, call_id: r.call_id, output: r.output, status: 'completed' } as StoredInputItem;
    case 'reasoning': {
      const out: Record<string, unknown> = { type: 'reasoning', id, summary: Array.isArray(r.summary) ? r.summary : [] };
      if (Array.isArray(r.content)) out.content = r.content;
      if (typeof r.encrypted_content === 'string') out.encrypted_content = r.encrypted_content;
      return out as StoredInputItem;
    }
    default:
      return { ...r, id } as StoredInputItem;
  }
}

/** The request's input items with ids (theirs, or `<prefix>_<seed>i<n>`). */
export function storedInput(items: readonly AnyInputItem[], seed: string): StoredInputItem[] {
  return items.map((item, n) => {
    const id = typeof item.id === 'string' && item.id !== '' ? item.id : `${ID_PREFIX[item.type] ?? 'item'}_${seed}i${n}`;
    return storedItem(item, id);
  });
}

export interface ItemListQuery {
  order?: string | undefined;
  limit?: string | undefined;
  after?: string | undefined;
}

/**
 * `GET /v1/responses/{id}/input_items`: the response's input items (newest first unless `order=asc`), `limit`
 * 1–100 (default 20) after the item `after`. Source: `InputItemListParams` and `ResponseItemList` in the SDK.
 */
export function inputItemsPage(stored: StoredResponse, query: ItemListQuery): Record<string, unknown> {
  const order = query.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') {
    throw new GatewayError(400, `Invalid value for 'order': expected 'asc' or 'desc', got '${order.slice(0, 20)}'.`, { param: 'order', code: 'invalid_value' });
  }
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new GatewayError(400, "Invalid value for 'limit': expected an integer from 1 to 100.", { param: 'limit', code: 'invalid_value' });
  }
  const all = order === 'asc' ? stored.input : [...stored.input].reverse();
  let start = 0;
  if (query.after !== undefined) {
    const at = all.findIndex((item) => item.id === query.after);
    if (at === -1) throw new GatewayError(400, `Invalid value for 'after': no input item '${query.after.slice(0, 80)}' in this response.`, { param: 'after', code: 'invalid_value' });
    start = at + 1;
  }
  const data = all.slice(start, start + limit);
  return { object: 'list', data, first_id: data[0]?.id ?? '', last_id: data[data.length - 1]?.id ?? '', has_more: start + limit < all.length };
}
