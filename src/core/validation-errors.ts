import { z } from 'zod';
import { EMPTY_BODY_MESSAGE, GatewayError } from '../errors.js';

/**
 * Turns a zod validation failure into the 400 OpenAI answers for the same mistake, so every wire API the gateway
 * speaks reports bad input alike. Messages follow OpenAI's (observed on api.openai.com):
 *   missing:     Missing required parameter: 'messages[0].content'.                       code missing_required_parameter
 *   wrong type:  Invalid type for 'temperature': expected a decimal, but got a string instead.   code invalid_type
 *   enum:        Invalid value for 'messages[0].role': 'wizard'. Supported values are: 'system', 'user', and 'tool'.
 *                (OpenAI's own text leaves the field to `param`; ours names it in the message too)   code invalid_value
 *   range:       Invalid 'temperature': number above maximum value. Expected a value <= 2, but got 9 instead.
 *                                                                                          code invalid_value
 * `param` is the field's path as OpenAI writes it (`messages[0].content`). Pure.
 */

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

/** `['messages', 0, 'content']` → `messages[0].content`. */
export function paramPath(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value at `path` in `root`, and whether it is present at all (a key set to undefined is absent, as in JSON). */
function valueAt(root: unknown, path: readonly PathKey[]): { present: boolean; value: unknown } {
  let node = root;
  for (const key of path) {
    if (Array.isArray(node) && typeof key === 'number') node = node[key];
    else if (isObject(node) && typeof key === 'string' && Object.hasOwn(node, key)) node = node[key];
    else return { present: false, value: undefined };
  }
  return { present: node !== undefined, value: node };
}

/** A JSON value's type in OpenAI's words ("a string", "an integer", "a decimal", "null"…). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return Number.isInteger(value) ? 'an integer' : 'a decimal';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/** zod's expected type names in OpenAI's words. */
const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a decimal',
  int: 'an integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  // A map field (`metadata`, a tool's `parameters`): on the wire it is a JSON object.
  record: 'an object',
  null: 'null',
};
const expectedName = (expected: string): string => EXPECTED[expected] ?? expected;

/**
 * A schema may state what it expects in OpenAI's words as its type error message (`expected an integer`): zod
 * reports a string given to `z.int()` as "expected number", which would read "expected a decimal".
 */
const EXPECTED_PREFIX = 'expected ';

/** An integer field (safe integer) whose type errors say "expected an integer". */
export const integer = (): z.ZodInt => z.int({ error: (iss) => (iss.code === 'invalid_type' ? `${EXPECTED_PREFIX}an integer` : undefined) });

/**
 * An integer field of any size JSON can carry (a `seed` may exceed 2^53; `z.int()` stops at the safe range),
 * whose type errors say "expected an integer".
 */
export const anyInteger = (): z.ZodType<number> =>
  z.number({ error: (iss) => (iss.code === 'invalid_type' ? `${EXPECTED_PREFIX}an integer` : undefined) }).superRefine((n, ctx) => {
    if (!Number.isInteger(n)) ctx.addIssue({ code: 'invalid_type', expected: 'number', input: n, message: `${EXPECTED_PREFIX}an integer` });
  });

/** OpenAI's bounds on `metadata` (API reference, "metadata"): at most 16 pairs, keys ≤ 64 and values ≤ 512 characters. */
export const METADATA_LIMITS = { keys: 16, keyChars: 64, valueChars: 512 } as const;

/**
 * `metadata` as OpenAI validates it on Chat Completions and Responses: string keys to string values, within
 * METADATA_LIMITS; a violation names the field (`metadata`, or `metadata.KEY` for a long value).
 */
export const metadataSchema = (): z.ZodType<Record<string, string>> =>
  z.record(z.string(), z.string()).superRefine((pairs, ctx) => {
    const keys = Object.keys(pairs);
    if (keys.length > METADATA_LIMITS.keys) {
      ctx.addIssue({ code: 'custom', message: `too many properties; expected an object with at most ${METADATA_LIMITS.keys} properties, but got ${keys.length}` });
      return;
    }
    for (const key of keys) {
      if (key.length > METADATA_LIMITS.keyChars) {
        ctx.addIssue({ code: 'custom', message: `key too long; expected keys of at most ${METADATA_LIMITS.keyChars} characters, but got one of ${key.length}` });
        return;
      }
      const value = pairs[key] ?? '';
      if (value.length > METADATA_LIMITS.valueChars) {
        ctx.addIssue({ code: 'too_big', origin: 'string', maximum: METADATA_LIMITS.valueChars, inclusive: true, input: value, path: [key], message: 'value too long' });
        return;
      }
    }
  });

/** "a, b, and c" / "a or b" as OpenAI lists them. */
function list(items: string[], conjunction: 'and' | 'or'): string {
  if (items.length <= 1) return items.join('');
  if (items.length === 2) return `${items[0]} ${conjunction} ${items[1]}`;
  return `${items.slice(0, -1).join(', ')}, ${conjunction} ${items.at(-1)}`;
}

const quote = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v));

const missing = (param: string): GatewayError => new GatewayError(400, `Missing required parameter: '${param}'.`, { param, code: 'missing_required_parameter' });

const wrongType = (param: string, expected: string, value: unknown): GatewayError =>
  new GatewayError(400, `Invalid type for '${param}': expected ${expected}, but got ${describeType(value)} instead.`, { param, code: 'invalid_type' });

const invalidValue = (param: string, message: string): GatewayError => new GatewayError(400, message, { param, code: 'invalid_value' });

/** A union failed: the branches whose type matched tell what is wrong inside; none matched: a wrong type. */
function unionError(issue: Extract<Issue, { code: 'invalid_union' }>, root: unknown, path: readonly PathKey[], prefix: readonly PathKey[]): GatewayError {
  const { present, value } = valueAt(root, path);
  const param = paramPath([...prefix, ...path]);
  if ('discriminator' in issue && issue.discriminator !== undefined) {
    // A discriminated union's key (a message's role) is missing or not one of its values.
    if (!present) return missing(param);
    if (typeof value !== 'string') return wrongType(param, 'a string', value);
    const options = 'options' in issue && Array.isArray(issue.options) ? issue.options : [];
    return invalidValue(param, `Invalid value for '${param}': ${quote(value)}. Supported values are: ${list(options.map(quote), 'and')}.`);
  }
  if (!present) return missing(param);
  // A branch failed on the value's type: a root type error, or a list of values of another type (an enum).
  const typeMismatch = (branch: readonly Issue[]): boolean => {
    const only = branch.length === 1 ? branch[0] : undefined;
    if (only === undefined || only.path.length > 0) return false;
    return only.code === 'invalid_type' || (only.code === 'invalid_value' && !only.values.some((v) => typeof v === typeof value));
  };
  const matched = issue.errors.find((branch) => branch.length > 0 && !typeMismatch(branch));
  const first = matched?.[0];
  if (first !== undefined) return issueError(first, root, [...path, ...first.path], prefix);
  const expectation = (first: Issue | undefined): string => {
    if (first?.code === 'invalid_type') return first.message.startsWith(EXPECTED_PREFIX) ? first.message.slice(EXPECTED_PREFIX.length) : expectedName(first.expected);
    // An enum branch in a union of types reads as its type ("one of a string or an object").
    if (first?.code === 'invalid_value') return [...new Set(first.values.map(describeType))].join(' or ');
    return 'another type';
  };
  const expected = [...new Set(issue.errors.map((branch) => expectation(branch[0])))];
  return wrongType(param, expected.length > 1 ? `one of ${list(expected, 'or')}` : (expected[0] ?? 'another type'), value);
}

function rangeError(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>, value: unknown, param: string): GatewayError {
  const small = issue.code === 'too_small';
  const bound = small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum;
  const op = small ? (issue.inclusive === false ? '>' : '>=') : issue.inclusive === false ? '<' : '<=';
  if (Array.isArray(value)) {
    if (small && value.length === 0) {
      return invalidValue(param, `Invalid '${param}': empty array. Expected an array with minimum length ${String(bound)}, but got an empty array instead.`);
    }
    return invalidValue(param, `Invalid '${param}': array too ${small ? 'short' : 'long'}. Expected an array with ${small ? 'minimum' : 'maximum'} length ${String(bound)}, but got an array with length ${value.length} instead.`);
  }
  if (typeof value === 'string') {
    return invalidValue(param, `Invalid '${param}': string too ${small ? 'short' : 'long'}. Expected a string with ${small ? 'minimum' : 'maximum'} length ${String(bound)}, but got a string with length ${value.length} instead.`);
  }
  return invalidValue(param, `Invalid '${param}': number ${small ? 'below minimum' : 'above maximum'} value. Expected a value ${op} ${String(bound)}, but got ${String(value)} instead.`);
}

/** One zod issue (path relative to `root`) as the OpenAI error for it. */
function issueError(issue: Issue, root: unknown, path: readonly PathKey[], prefix: readonly PathKey[]): GatewayError {
  const param = paramPath([...prefix, ...path]);
  const { present, value } = valueAt(root, path);
  switch (issue.code) {
    case 'invalid_union':
      return unionError(issue, root, path, prefix);
    case 'invalid_type': {
      if (!present) return missing(param);
      return wrongType(param, issue.message.startsWith(EXPECTED_PREFIX) ? issue.message.slice(EXPECTED_PREFIX.length) : expectedName(issue.expected), value);
    }
    case 'invalid_value':
      if (!present) return missing(param);
      // A value of another type than every allowed one is a wrong type (a number for an enum of strings).
      if (!issue.values.some((v) => typeof v === typeof value)) {
        return wrongType(param, `one of ${list(issue.values.map(quote), 'or')}`, value);
      }
      return invalidValue(param, `Invalid value for '${param}': ${quote(value)}. Supported values are: ${list(issue.values.map(quote), 'and')}.`);
    case 'too_small':
    case 'too_big':
      return rangeError(issue, value, param);
    default:
      return invalidValue(param, `Invalid value for '${param || 'body'}': ${issue.message}.`.replace(/\.\.$/, '.'));
  }
}

/**
 * The OpenAI-shaped 400 for a failed `safeParse` of `parsed`: the first problem, naming its field.
 * @param parsed the value the schema was run on (values are read from it to say what was sent).
 * @param prefix where `parsed` sits in the request body, for `param` (`['input', 2]` when one item was validated).
 */
export function validationError(error: z.ZodError, parsed: unknown, prefix: readonly PropertyKey[] = []): GatewayError {
  const issue = error.issues[0];
  if (issue === undefined) return new GatewayError(400, 'Invalid request body.', { param: prefix.length > 0 ? paramPath(prefix) : null, code: 'invalid_value' });
  return issueError(issue, parsed, issue.path, prefix);
}

/**
 * The 400 for a request body that parsed but is not a JSON object (an array, a number, a JSON string). A string body
 * most often means the JSON was sent as `Content-Type: text/plain`, which is read as text, so the message says how to
 * send it. `code` stays each API's own (`invalid_type` for chat, `invalid_body` for the Responses API).
 * No body at all (a POST without Content-Type leaves it undefined; an empty text/plain one is '') gets the same
 * `empty_body` 400 as an empty JSON body, rather than a type error about "undefined".
 */
export function bodyNotObjectError(body: unknown, code: string): GatewayError {
  if (body === undefined || body === '') return new GatewayError(400, EMPTY_BODY_MESSAGE, { code: 'empty_body' });
  const hint = typeof body === 'string' ? ' Send the body as JSON with the header Content-Type: application/json (a text/plain body is read as a string).' : '';
  return new GatewayError(400, `Invalid type for the request body: expected a JSON object, but got ${describeType(body)} instead.${hint}`, { code });
}
