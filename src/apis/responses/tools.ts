import { createHash } from 'node:crypto';
import { isRecord } from '../../core/types.js';
import type { CustomToolInput, FunctionToolInput, ToolInput } from './schema.js';

/**
 * Responses tools → Chat Completions tools, and chat tool calls back to the Responses item the client expects.
 *
 * - `function` → a chat function tool (same name, description, parameters, strict).
 * - `custom` (freeform input, optionally a grammar) → a chat function with one string parameter `input`; its calls
 *   come back as `custom_tool_call` items whose `input` is that string.
 * - `namespace` → its function and custom tools flattened into chat functions named `<namespace>__<name>`; calls
 *   come back as items with `name` and `namespace` set, as the Responses API gives a namespaced call.
 * - every other type (web_search, file_search, computer_use, mcp, local_shell, …) has no Chat Completions form:
 *   dropped, and named in `dropped` (the `x-thinkgate-dropped-tools` header and the log line).
 * Source: `Tool`, `NamespaceTool`, `CustomTool`, `ResponseFunctionToolCall.namespace` in the `openai` SDK.
 */

/** What a chat function name stands for on the Responses side. */
export interface ToolBinding {
  kind: 'function' | 'custom';
  name: string;
  namespace?: string | undefined;
}

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
  [k: string]: unknown;
}

export interface ToolMapping {
  /** Tools as a chat upstream receives them (undefined when there are none). */
  chatTools: ChatTool[] | undefined;
  /** `tool_choice` in chat form (undefined: not sent). */
  toolChoice: unknown;
  /** Types of the tools that were dropped, each once, in request order. */
  dropped: string[];
  /** Chat function name → the Responses tool it came from. */
  bindings: Map<string, ToolBinding>;
}

/** Chat function names allow `[a-zA-Z0-9_-]`, up to 64 characters: `__` joins a namespace and a tool's name. */
export const NAMESPACE_SEPARATOR = '__';

/** The longest function name OpenAI and DeepSeek accept ("string too long. Expected a string with maximum length 64"). */
export const MAX_CHAT_TOOL_NAME = 64;

/**
 * The chat function name of a (possibly namespaced) Responses tool. A namespace and a name may each be up to 64
 * characters, so the joined name can be longer than chat servers accept: it is then cut and ended with 8 hex digits
 * of its SHA-256, the same for the same tool on every turn (tool lists and earlier calls in the history agree), and
 * calls under it map back through the request's bindings.
 */
export function chatToolName(name: string, namespace?: string | null): string {
  const flat = namespace === undefined || namespace === null || namespace === '' ? name : `${namespace}${NAMESPACE_SEPARATOR}${name}`;
  if (flat.length <= MAX_CHAT_TOOL_NAME) return flat;
  const digest = createHash('sha256').update(flat).digest('hex').slice(0, 8);
  return `${flat.slice(0, MAX_CHAT_TOOL_NAME - digest.length - 1)}_${digest}`;
}

function functionTool(tool: FunctionToolInput | (FunctionToolInput & { parameters?: unknown }), name: string): ChatTool {
  const fn: ChatTool['function'] = { name };
  if (typeof tool.description === 'string') fn.description = tool.description;
  fn.parameters = isRecord(tool.parameters) ? tool.parameters : { type: 'object', properties: {} };
  if (typeof tool.strict === 'boolean') fn.strict = tool.strict;
  return { type: 'function', function: fn };
}

/** A freeform tool as a function of one string: the grammar, if any, is told to the model in the description. */
function customTool(tool: CustomToolInput, name: string): ChatTool {
  let description = tool.description ?? '';
  const format = tool.format;
  if (isRecord(format) && format.type === 'grammar' && typeof format.definition === 'string') {
    const syntax = typeof format.syntax === 'string' ? format.syntax : 'grammar';
    description += `${description === '' ? '' : '\n\n'}The input must match this ${syntax} grammar:\n${format.definition}`;
  }
  const fn: ChatTool['function'] = {
    name,
    parameters: {
      type: 'object',
      properties: { input: { type: 'string', description: 'The raw input of the tool (freeform text, not JSON).' } },
      required: ['input'],
      additionalProperties: false,
    },
  };
  if (description !== '') fn.description = description;
  return { type: 'function', function: fn };
}

function chatChoice(choice: unknown, bindings: Map<string, ToolBinding>): unknown {
  if (choice === undefined) return undefined;
  if (typeof choice === 'string') return choice;
  if (!isRecord(choice)) return undefined;
  const nameOf = (name: unknown, namespace?: unknown): string | undefined => {
    if (typeof name !== 'string') return undefined;
    const flat = chatToolName(name, typeof namespace === 'string' ? namespace : undefined);
    if (bindings.has(flat)) return flat;
    for (const [chatName, b] of bindings) if (b.name === name) return chatName;
    return undefined;
  };
  if (choice.type === 'function' || choice.type === 'custom') {
    const name = nameOf(choice.name, choice.namespace);
    return name === undefined ? 'required' : { type: 'function', function: { name } };
  }
  if (choice.type === 'allowed_tools' && Array.isArray(choice.tools)) {
    const tools = choice.tools
      .map((t) => (isRecord(t) ? nameOf(t.name, t.namespace) : undefined))
      .filter((n): n is string => n !== undefined)
      .map((name) => ({ type: 'function', function: { name } }));
    return { type: 'allowed_tools', allowed_tools: { mode: choice.mode === 'required' ? 'required' : 'auto', tools } };
  }
  // A hosted tool (web_search, file_search, …) was forced, and dropped with its tool: let the model choose.
  return 'auto';
}

/** Maps the request's tools and tool choice. Pure. */
export function mapTools(tools: readonly ToolInput[] | undefined, toolChoice: unknown): ToolMapping {
  const bindings = new Map<string, ToolBinding>();
  const chatTools: ChatTool[] = [];
  const dropped: string[] = [];
  const add = (tool: FunctionToolInput | CustomToolInput, namespace?: string): void => {
    const name = chatToolName(tool.name, namespace);
    if (bindings.has(name)) return;
    bindings.set(name, { kind: tool.type === 'custom' ? 'custom' : 'function', name: tool.name, namespace });
    chatTools.push(tool.type === 'custom' ? customTool(tool, name) : functionTool(tool, name));
  };
  for (const tool of tools ?? []) {
    if (tool.type === 'function' || tool.type === 'custom') add(tool as FunctionToolInput | CustomToolInput);
    else if (tool.type === 'namespace' && Array.isArray(tool.tools)) {
      const inner = tool.tools as Array<FunctionToolInput | CustomToolInput>;
      for (const t of inner) add(t, tool.name as string);
      if (inner.length === 0 && !dropped.includes('namespace')) dropped.push('namespace');
    } else if (!dropped.includes(tool.type)) dropped.push(tool.type);
  }
  return {
    chatTools: chatTools.length > 0 ? chatTools : undefined,
    toolChoice: chatTools.length > 0 ? chatChoice(toolChoice, bindings) : undefined,
    dropped,
    bindings,
  };
}

/** The Responses tool a chat call names; a name the request did not declare stays a plain function call. */
export const bindingFor = (mapping: ToolMapping, chatName: string): ToolBinding =>
  mapping.bindings.get(chatName) ?? { kind: 'function', name: chatName };

/** The `input` of a custom tool call from the chat call's arguments (`{"input": "…"}`); raw text if not that shape. */
export function customInput(args: string): string {
  try {
    const parsed: unknown = JSON.parse(args);
    if (isRecord(parsed) && typeof parsed.input === 'string') return parsed.input;
  } catch {
    // The model wrote the input itself instead of the JSON wrapper: that text is the input.
  }
  return args;
}
