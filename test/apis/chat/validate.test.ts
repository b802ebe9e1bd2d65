import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chatRequestSchema } from '../../../src/apis/chat/schema.js';
import { validateChatRequest } from '../../../src/apis/chat/validate.js';
import { paramPath, validationError } from '../../../src/core/validation-errors.js';
import { GatewayError } from '../../../src/errors.js';

/**
 * Generated from the schema itself: every field the chat validator knows (walked from its JSON Schema, each
 * message role and each content shape) is sent missing where required, with a wrong type and out of range, and
 * each answer must be OpenAI's error for it: code, `param`, and a message that says what was expected.
 */

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
}
type Path = (string | number)[];

const ROOT = z.toJSONSchema(chatRequestSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
/** A union's branches, nested unions (a nullable union) flattened. */
const branches = (s: JsonSchema): JsonSchema[] => (s.anyOf ?? s.oneOf ?? null)?.flatMap(branches) ?? [s];
const typesOf = (s: JsonSchema): string[] => branches(s).flatMap((b) => (b.type === undefined ? [] : Array.isArray(b.type) ? b.type : [b.type]));

/** One valid value for `s` per union branch (objects: every property present, so every field gets exercised). */
function samples(s: JsonSchema): unknown[] {
  if (s.anyOf ?? s.oneOf) return branches(s).flatMap(samples);
  if (s.const !== undefined) return [s.const];
  if (s.enum !== undefined) return [s.enum[0]];
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      return ['x'];
    case 'integer':
      return [Math.max(1, s.minimum ?? 1)];
    case 'number':
      return [s.maximum !== undefined ? s.maximum / 2 : 1];
    case 'boolean':
      return [true];
    case 'null':
      return [null];
    case 'array':
      return samples(s.items ?? {}).map((item) => [item]);
    case 'object': {
      const props = Object.entries(s.properties ?? {});
      const base = Object.fromEntries(props.map(([k, p]) => [k, samples(p)[0]]));
      // One object per variant of each property, the others at their first sample.
      const out: unknown[] = [base];
      for (const [k, p] of props) for (const v of samples(p).slice(1)) out.push({ ...base, [k]: v });
      return out;
    }
    default:
      return [{}];
  }
}

/** The branch of `s` that `value` was sampled from. */
function branchFor(s: JsonSchema, value: unknown): JsonSchema {
  const jsonType = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;
  const fits = (b: JsonSchema): boolean => {
    const t = typesOf(b);
    if (!(t.includes(jsonType) || (jsonType === 'integer' && t.includes('number')))) return false;
    if (b.properties && typeof value === 'object' && value !== null) {
      const v = value as Record<string, unknown>;
      return Object.entries(b.properties).every(([k, p]) => (p.const === undefined || v[k] === p.const) && (p.enum === undefined || p.enum.includes(v[k])));
    }
    return true;
  };
  return branches(s).find(fits) ?? s;
}

interface FieldCase {
  request: Record<string, unknown>;
  path: Path;
  schema: JsonSchema;
  required: boolean;
}

/** Every field present in `request`, with its schema. */
function fields(request: Record<string, unknown>): FieldCase[] {
  const out: FieldCase[] = [];
  const walk = (value: unknown, s: JsonSchema, path: Path): void => {
    const b = branchFor(s, value);
    if (Array.isArray(value) && b.items) value.forEach((v, i) => walk(v, b.items!, [...path, i]));
    else if (typeof value === 'object' && value !== null && b.properties) {
      for (const [k, p] of Object.entries(b.properties)) {
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined) continue;
        out.push({ request, path: [...path, k], schema: p, required: (b.required ?? []).includes(k) });
        walk(v, p, [...path, k]);
      }
    }
  };
  walk(request, ROOT, []);
  return out;
}

const requests = samples(ROOT) as Record<string, unknown>[];
const cases = requests.flatMap(fields);
const seen = new Set<string>();
const unique = cases.filter((c) => {
  const key = `${JSON.stringify(c.request)}|${c.path.join('.')}`;
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
});

const withValue = (request: Record<string, unknown>, path: Path, value: unknown): Record<string, unknown> => {
  const copy = structuredClone(request);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
};

function errorOf(body: unknown): { message: string; param: string | null; code: string | null } {
  try {
    validateChatRequest(body);
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    const err = e as GatewayError;
    expect(err.status).toBe(400);
    return { message: err.message, param: err.param, code: err.code };
  }
  throw new Error(`accepted: ${JSON.stringify(body)}`);
}

/** A JSON value whose type `s` does not allow. */
function wrongTypeFor(s: JsonSchema): unknown {
  const allowed = typesOf(s);
  if (allowed.length === 0) return undefined;
  const candidates: [string, unknown][] = [['string', 'wrong'], ['integer', 7], ['number', 1.5], ['boolean', true], ['object', { a: 1 }], ['array', [1]], ['null', null]];
  const ok = (t: string): boolean => allowed.includes(t) || (t === 'integer' && allowed.includes('number'));
  return candidates.find(([t]) => !ok(t))?.[1];
}

describe('the chat validator accepts what it generates', () => {
  it.each(requests.map((r) => [JSON.stringify(r).slice(0, 90), r]))('valid: %s', (_name, request) => {
    expect(() => validateChatRequest(request)).not.toThrow();
  });

  it('walks every field the schema names', () => {
    const names = new Set(unique.map((c) => c.path.filter((k) => typeof k === 'string').join('.')));
    for (const name of ['model', 'messages', 'messages.role', 'messages.content', 'messages.tool_call_id', 'messages.tool_calls.function.name', 'temperature', 'top_p', 'n', 'max_tokens', 'max_completion_tokens', 'stream', 'stream_options.include_usage', 'reasoning_effort', 'tools.type']) {
      expect(names).toContain(name);
    }
  });
});

const label = (c: FieldCase): string => `${paramPath(c.path)} in ${JSON.stringify(c.request).slice(0, 70)}`;
const numericOf = (c: FieldCase): JsonSchema | undefined => branches(c.schema).find((b) => b.minimum !== undefined || b.maximum !== undefined);
const listedOf = (c: FieldCase): JsonSchema | undefined => branches(c.schema).find((b) => b.enum !== undefined || (b.const !== undefined && c.path.at(-1) === 'role'));

describe('every field, generated from the schema', () => {
  it.each(unique.filter((c) => c.required).map((c) => [label(c), c] as const))('missing %s: missing_required_parameter', (_n, c) => {
    const param = paramPath(c.path);
    expect(errorOf(withValue(c.request, c.path, undefined))).toEqual({ message: `Missing required parameter: '${param}'.`, param, code: 'missing_required_parameter' });
  });

  it.each(unique.filter((c) => wrongTypeFor(c.schema) !== undefined).map((c) => [label(c), c] as const))('wrong type %s: invalid_type, saying what was expected', (_n, c) => {
    const param = paramPath(c.path);
    const err = errorOf(withValue(c.request, c.path, wrongTypeFor(c.schema)));
    expect(err.code).toBe('invalid_type');
    expect(err.param).toBe(param);
    expect(err.message).toMatch(new RegExp(`^Invalid type for '${param.replace(/[[\].]/g, '\\$&')}': expected (a|an|one of) .+, but got .+ instead\\.$`));
  });

  it.each(unique.filter((c) => numericOf(c) !== undefined).map((c) => [label(c), c] as const))('out of range %s: invalid_value with the bound', (_n, c) => {
    const param = paramPath(c.path);
    const n = numericOf(c)!;
    const tries: [number, string][] = [];
    if (n.maximum !== undefined) tries.push([n.maximum + 1, `<= ${n.maximum}`]);
    if (n.minimum !== undefined) tries.push([n.minimum - 1, `>= ${n.minimum}`]);
    for (const [value, bound] of tries) {
      expect(errorOf(withValue(c.request, c.path, value))).toEqual({ param, code: 'invalid_value', message: expect.stringContaining(`Expected a value ${bound}, but got ${value} instead.`) as unknown });
    }
  });

  it.each(unique.filter((c) => listedOf(c) !== undefined).map((c) => [label(c), c] as const))('not one of the values %s: invalid_value listing them', (_n, c) => {
    const err = errorOf(withValue(c.request, c.path, 'not-a-value'));
    expect(err.code).toBe('invalid_value');
    expect(err.param).toBe(paramPath(c.path));
    expect(err.message).toBe(`Invalid value for '${paramPath(c.path)}': 'not-a-value'. Supported values are: ${err.message.split('Supported values are: ')[1]}`);
    expect(err.message).toMatch(/Supported values are: '.+', and '.+'\.$/);
  });

  it.each(unique.filter((c) => branches(c.schema).some((b) => (b.minItems ?? 0) > 0)).map((c) => [label(c), c] as const))('empty array %s: invalid_value', (_n, c) => {
    const param = paramPath(c.path);
    expect(errorOf(withValue(c.request, c.path, []))).toEqual({
      param,
      code: 'invalid_value',
      message: `Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`,
    });
  });
});

describe('what OpenAI accepts is accepted', () => {
  it('empty content in system, developer, user, assistant (with and without tool calls) and tool messages; null where allowed', () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } };
    expect(() =>
      validateChatRequest({
        messages: [
          { role: 'system', content: '' },
          { role: 'developer', content: '' },
          { role: 'user', content: '' },
          { role: 'assistant', content: '' },
          { role: 'assistant', content: '', tool_calls: [call] },
          { role: 'assistant', content: null, tool_calls: [call] },
          { role: 'assistant', tool_calls: [call] },
          { role: 'tool', content: '', tool_call_id: 'call_1' },
          { role: 'function', content: null, name: 'f' },
          { role: 'user', content: [{ type: 'text', text: '' }, { type: 'image_url', image_url: { url: 'data:,' } }] },
        ],
        temperature: null,
        max_tokens: null,
        n: null,
        stream: null,
        reasoning_effort: null,
      }),
    ).not.toThrow();
  });

  it('text parts still need their text; the answer names the part', () => {
    expect(errorOf({ messages: [{ role: 'user', content: [{ type: 'text' }] }] })).toEqual({
      param: 'messages[0].content[0].text',
      code: 'missing_required_parameter',
      message: "Missing required parameter: 'messages[0].content[0].text'.",
    });
    expect(errorOf({ messages: [{ role: 'user', content: [{ type: 'text', text: 5 }] }] }).message).toBe(
      "Invalid type for 'messages[0].content[0].text': expected a string, but got an integer instead.",
    );
  });

  it('the examples from the field: wrong types are wrong types, not missing parameters', () => {
    const m = [{ role: 'user', content: 'x' }];
    expect(errorOf({ messages: m, temperature: 'hot' }).message).toBe("Invalid type for 'temperature': expected a decimal, but got a string instead.");
    expect(errorOf({ messages: m, max_tokens: 'abc' }).message).toBe("Invalid type for 'max_tokens': expected an integer, but got a string instead.");
    expect(errorOf({ messages: m, stream: 'yes' }).message).toBe("Invalid type for 'stream': expected a boolean, but got a string instead.");
    expect(errorOf({ messages: m, n: 'two' }).message).toBe("Invalid type for 'n': expected an integer, but got a string instead.");
    expect(errorOf({ messages: m, model: 5 }).message).toBe("Invalid type for 'model': expected a string, but got an integer instead.");
    expect(errorOf({ messages: 'hi' }).message).toBe("Invalid type for 'messages': expected an array, but got a string instead.");
    expect(errorOf({ messages: [{ role: 'user', content: 5 }] }).message).toBe(
      "Invalid type for 'messages[0].content': expected one of a string or an array, but got an integer instead.",
    );
    expect(errorOf({ messages: [{ role: 'user' }] }).code).toBe('missing_required_parameter');
    expect(errorOf([1, 2]).code).toBe('invalid_type');
  });
});

describe('validationError for a part of a body', () => {
  it('names the field from the request root when one item was validated on its own', () => {
    const item = z.looseObject({ type: z.literal('message'), content: z.string() });
    const value = { type: 'message', content: 5 };
    const result = item.safeParse(value);
    expect(result.success).toBe(false);
    const err = validationError(result.error!, value, ['input', 2]);
    expect(err.toJSON().error).toEqual({ message: "Invalid type for 'input[2].content': expected a string, but got an integer instead.", type: 'invalid_request_error', param: 'input[2].content', code: 'invalid_type' });
  });
});
