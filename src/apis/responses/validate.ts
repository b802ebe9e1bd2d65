import { badRequest, type GatewayError } from '../../errors.js';
import { isRecord } from '../../core/types.js';
import { bodyNotObjectError, describeType, paramPath, validationError } from '../../core/validation-errors.js';
import { ITEM_SCHEMAS, KNOWN_FIELDS, TOOL_SCHEMAS, responsesRequestSchema, type AnyInputItem, type CarriedItem, type InputItem, type ItemType, type ResponsesRequest, type ToolInput } from './schema.js';

/**
 * Validates a `POST /v1/responses` body. Every problem is an OpenAI-shaped 400 whose `param` names the field the
 * way OpenAI's own errors do (`input[2].content`), and the request never reaches an upstream.
 */

/**
 * Item types of `ResponseInputItem` (openai 6.x) the gateway cannot map to a chat conversation: accepted (a client
 * replays its whole history, hosted-tool calls included), carried to a native Responses upstream, left out of a
 * bridged chat conversation. A type in neither this list nor the mapped ones is refused.
 */
export const CARRIED_ITEM_TYPES: ReadonlySet<string> = new Set([
  'file_search_call', 'computer_call', 'computer_call_output', 'web_search_call', 'tool_search_call', 'tool_search_output',
  'additional_tools', 'compaction', 'compaction_trigger', 'image_generation_call', 'code_interpreter_call', 'local_shell_call',
  'local_shell_call_output', 'shell_call', 'shell_call_output', 'apply_patch_call', 'apply_patch_call_output', 'mcp_list_tools',
  'mcp_approval_request', 'mcp_approval_response', 'mcp_call', 'program', 'program_output',
]);

const unsupported = (param: string, what: string): GatewayError =>
  badRequest(`'${param}' is not supported by this gateway: ${what}.`, param, 'unsupported_parameter');

function itemTypeOf(item: Record<string, unknown>): string | undefined {
  if (typeof item.type === 'string') return item.type;
  if (item.type === undefined || item.type === null) {
    if ('role' in item) return 'message';
    if ('id' in item) return 'item_reference';
  }
  return undefined;
}

const MAPPED_TYPES = Object.keys(ITEM_SCHEMAS) as ItemType[];

/** Validates one input item; returns it typed (`type` set), or a carried item. */
export function validateItem(raw: unknown, index: number): AnyInputItem {
  const at = ['input', index];
  if (!isRecord(raw)) {
    throw badRequest(`Invalid type for '${paramPath(at)}': expected an input item object, but got ${describeType(raw)} instead.`, paramPath(at), 'invalid_type');
  }
  const type = itemTypeOf(raw);
  if (type === 'item_reference') {
    throw unsupported(paramPath([...at, 'type']), 'item references are not resolved; send the item itself or use previous_response_id');
  }
  if (type !== undefined && CARRIED_ITEM_TYPES.has(type)) return raw as CarriedItem;
  if (type === undefined || !(type in ITEM_SCHEMAS)) {
    const param = paramPath([...at, 'type']);
    if (type === undefined && (raw.type === undefined || raw.type === null)) {
      // Neither a type nor a role: "Invalid value: null" would not say what is missing.
      throw badRequest(`Missing required parameter: '${param}'. An input item needs a type, or a role for a message.`, param, 'missing_required_parameter');
    }
    if (type === undefined) throw badRequest(`Invalid type for '${param}': expected a string, but got ${describeType(raw.type)} instead.`, param, 'invalid_type');
    throw badRequest(
      `Invalid value for '${param}': '${type}'. Supported values are: ${MAPPED_TYPES.map((t) => `'${t}'`).join(', ')} and the other input item types of the Responses API.`,
      param,
      'invalid_value',
    );
  }
  const result = ITEM_SCHEMAS[type as ItemType].safeParse(raw, { reportInput: true });
  if (!result.success) throw validationError(result.error, raw, at);
  return (type === 'message' ? { ...result.data, type: 'message' } : result.data) as InputItem;
}

export const isCarried = (item: AnyInputItem): item is CarriedItem => CARRIED_ITEM_TYPES.has(item.type);

/**
 * Validates a Responses request. Throws a 400 naming the field for input of the wrong type, an unknown item type, a
 * wrong-typed parameter, or a feature the gateway cannot serve (`background`, `conversation`, `prompt`).
 */
export function validateResponsesRequest(body: unknown): ResponsesRequest {
  if (!isRecord(body)) throw bodyNotObjectError(body, 'invalid_body');
  const parsed = responsesRequestSchema.safeParse(body, { reportInput: true });
  if (!parsed.success) throw validationError(parsed.error, body);
  const data = parsed.data;
  if (data.background === true) throw unsupported('background', 'responses run in the foreground; send the request without background');
  if (data.conversation !== undefined && data.conversation !== null) {
    throw unsupported('conversation', 'conversation objects are not kept; use previous_response_id or send the full input');
  }
  if (data.prompt !== undefined && data.prompt !== null) throw unsupported('prompt', 'stored prompt templates are not available; send instructions and input');
  if (data.input === undefined && (data.previous_response_id === undefined || data.previous_response_id === null)) {
    throw badRequest("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  }
  const raw = data.input;
  const input: AnyInputItem[] = [];
  if (typeof raw === 'string') {
    input.push({ type: 'message', role: 'user', content: raw });
  } else if (raw !== undefined) {
    raw.forEach((item, index) => input.push(validateItem(item, index)));
  }
  const tools = data.tools?.map((tool, index) => {
    const schema = TOOL_SCHEMAS[tool.type as keyof typeof TOOL_SCHEMAS] as (typeof TOOL_SCHEMAS)[keyof typeof TOOL_SCHEMAS] | undefined;
    if (schema === undefined) return tool as ToolInput;
    const result = schema.safeParse(tool, { reportInput: true });
    if (!result.success) throw validationError(result.error, tool, ['tools', index]);
    return result.data as ToolInput;
  });
  const unknownFields: string[] = [];
  for (const key of Object.keys(body)) if (!KNOWN_FIELDS.has(key)) unknownFields.push(key);
  return { ...data, input, tools, inputWasString: typeof raw === 'string', unknownFields };
}
