/**
 * What the embedded demo upstreams answer (pure: no I/O). They honour the request fields that change the shape of
 * an answer, so that an app tried against the demo sees the shapes a real upstream would send:
 *
 * - `tools` (function tools, OpenAI Chat Completions): a simulated call to the tool `tool_choice` names, else to the
 *   first one, with arguments that fit its `parameters` schema, `finish_reason: "tool_calls"`; `tool_choice: "none"`
 *   or a conversation whose last message is a tool result gets a text answer instead, so tool loops end;
 * - `n`: n choices (index 0…n−1);
 * - `response_format`: `json_object` gets a JSON object, `json_schema` JSON that fits its `schema`.
 */

export interface DemoToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface DemoChoice {
  content: string | null;
  /** Simulated reasoning text ('' from the direct profile). */
  reasoning: string;
  toolCalls: DemoToolCall[];
  finishReason: 'stop' | 'tool_calls';
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The last user turn's text. */
export function lastUserText(body: Json): string {
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!isObject(m) || m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) return m.content.map((p) => (isObject(p) && typeof p.text === 'string' ? p.text : '')).join(' ');
  }
  return '';
}

/**
 * A JSON value that fits a JSON Schema: `const`, `enum`, `default`, the first branch of `anyOf`/`oneOf`, every
 * declared property of an object, `minItems` (at least one) items of an array, `format`s date-time, date, email
 * and uri, numeric bounds, string lengths, and local `$ref`s (`#/$defs/…`, `#/definitions/…`). Deeper than 8
 * levels (a recursive schema) gives null.
 */
export function exampleOf(schema: unknown, root: unknown = schema, depth = 0): unknown {
  if (!isObject(schema) || depth > 8) return null;
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref.replace(/^#\//, '').split('/').reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), root);
    return exampleOf(target, root, depth + 1);
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('default' in schema) return schema.default;
  const branches = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(branches) && branches.length > 0) {
    const branch = branches.find((b) => !(isObject(b) && b.type === 'null')) ?? branches[0];
    return exampleOf(branch, root, depth + 1);
  }
  const types = Array.isArray(schema.type) ? (schema.type as unknown[]) : [schema.type];
  const type = types.find((t) => t !== 'null') ?? (isObject(schema.properties) ? 'object' : types[0]);
  switch (type) {
    case 'object': {
      const out: Json = {};
      const properties = isObject(schema.properties) ? schema.properties : {};
      for (const [key, sub] of Object.entries(properties)) out[key] = exampleOf(sub, root, depth + 1);
      return out;
    }
    case 'array': {
      const count = Math.max(1, typeof schema.minItems === 'number' ? schema.minItems : 1);
      return Array.from({ length: count }, () => exampleOf(schema.items, root, depth + 1));
    }
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + 1 : 1;
      const value = typeof schema.maximum === 'number' ? Math.min(min, schema.maximum) : min;
      return type === 'integer' ? Math.ceil(value) : value;
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'string':
      return exampleString(schema);
    default:
      return null;
  }
}

function exampleString(schema: Json): string {
  const byFormat: Record<string, string> = { 'date-time': '2025-01-01T00:00:00Z', date: '2025-01-01', email: 'demo@example.com', uri: 'https://example.com/' };
  let text = (typeof schema.format === 'string' ? byFormat[schema.format] : undefined) ?? 'demo';
  if (typeof schema.minLength === 'number') text = text.padEnd(schema.minLength, 'o');
  if (typeof schema.maxLength === 'number') text = text.slice(0, schema.maxLength);
  return text;
}

interface FunctionTool {
  name: string;
  parameters: unknown;
}

/** The function tool this request asks to call, or null for a text answer. */
function toolToCall(body: Json): FunctionTool | null {
  const tools = (Array.isArray(body.tools) ? body.tools : [])
    .filter((t): t is Json => isObject(t) && t.type === 'function' && isObject(t.function) && typeof t.function.name === 'string')
    .map((t) => ({ name: (t.function as Json).name as string, parameters: (t.function as Json).parameters }));
  if (tools.length === 0 || body.tool_choice === 'none') return null;
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  const last = messages[messages.length - 1];
  if (isObject(last) && last.role === 'tool') return null;
  const choice = body.tool_choice;
  const named = isObject(choice) && isObject(choice.function) ? choice.function.name : undefined;
  return tools.find((t) => t.name === named) ?? tools[0] ?? null;
}

function textContent(body: Json, answer: string): string {
  const format = isObject(body.response_format) ? body.response_format : undefined;
  if (format?.type === 'json_object') return JSON.stringify({ answer, simulated: true });
  if (format?.type === 'json_schema' && isObject(format.json_schema)) return JSON.stringify(exampleOf(format.json_schema.schema ?? {}));
  return answer;
}

/** The choices a demo upstream answers `body` with. `idSeed` makes tool-call ids unique per response. */
export function demoChoices(profile: { model: string; reasoning: boolean }, body: Json, idSeed: string): DemoChoice[] {
  const topic = lastUserText(body).replace(/\s+/g, ' ').trim().slice(0, 80);
  const n = typeof body.n === 'number' && Number.isInteger(body.n) && body.n > 1 ? body.n : 1;
  const tool = toolToCall(body);
  return Array.from({ length: n }, (_, i) => {
    const of = n > 1 ? ` (choice ${i + 1} of ${n})` : '';
    const reasoning = profile.reasoning
      ? `The user asks: "${topic}". Let me think step by step. First, identify what is being asked. Second, consider the constraints. Third, check the result before answering. This reasoning is simulated by the thinkgate demo upstream.`
      : '';
    if (tool !== null) {
      const args = JSON.stringify(exampleOf(tool.parameters) ?? {});
      return { content: null, reasoning, toolCalls: [{ id: `call_demo_${idSeed}_${i}`, type: 'function', function: { name: tool.name, arguments: args } }], finishReason: 'tool_calls' };
    }
    const answer = `[${profile.model}, simulated] This is a demo answer to: "${topic}"${of}. Configure real upstreams to get real answers.`;
    return { content: textContent(body, answer), reasoning, toolCalls: [], finishReason: 'stop' };
  });
}
