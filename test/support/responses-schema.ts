import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * Validators for what the Responses API sends, built on JSON Schemas generated from the official `openai` SDK's
 * TypeScript types (test/support/schemas/responses.schema.json, made by scripts/gen-response-schemas.ts).
 *
 *   assertValidResponse(obj)   the response object (POST / GET /v1/responses, and `response` in lifecycle events)
 *   assertValidEvent(ev)       one streamed event (the parsed `data:` JSON), checked against the event type it names
 *   assertValidItemList(list)  GET /v1/responses/{id}/input_items
 *
 * Each throws an Error naming the JSON path, the rule broken and the offending value; objects are closed, so an
 * invented field fails too. Unions discriminated by `type` (output items, content parts, events) are validated
 * against the one branch their `type` names, so a failure says what is wrong with that item rather than listing
 * every branch it is not.
 */

interface SchemaNode {
  $ref?: string;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  const?: unknown;
  discriminator?: { propertyName: string };
  [key: string]: unknown;
}

const SCHEMA_FILE = new URL('./schemas/responses.schema.json', import.meta.url);
const REF = '#/definitions/';

/** The `type` values a definition requires (its `const`, or its `enum` of strings), when it names them. */
function typeValues(defs: Record<string, SchemaNode>, node: SchemaNode): string[] | undefined {
  if (node.$ref === undefined || !node.$ref.startsWith(REF)) return undefined;
  const target = defs[decodeURIComponent(node.$ref.slice(REF.length))];
  if (target?.required?.includes('type') !== true) return undefined;
  const type = target.properties?.type;
  if (typeof type?.const === 'string') return [type.const];
  const values = type?.enum;
  return Array.isArray(values) && values.every((v) => typeof v === 'string') ? (values as string[]) : undefined;
}

/**
 * Rewrites each `anyOf` of `$ref`s whose targets all require distinct `type` values as a `oneOf` with Ajv's
 * `discriminator` keyword (OpenAPI's discriminator, which Ajv implements), so errors come from the named branch.
 */
function useDiscriminators(defs: Record<string, SchemaNode>, node: unknown): void {
  if (Array.isArray(node)) {
    for (const child of node) useDiscriminators(defs, child);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const n = node as SchemaNode;
  const branches = n.anyOf;
  if (branches !== undefined && branches.length > 1) {
    const values = branches.map((b) => typeValues(defs, b));
    const all = values.flatMap((v) => v ?? []);
    if (values.every((v) => v !== undefined) && new Set(all).size === all.length) {
      delete n.anyOf;
      n.type = 'object';
      n.required = ['type'];
      n.discriminator = { propertyName: 'type' };
      n.oneOf = branches;
    }
  }
  for (const value of Object.values(n)) useDiscriminators(defs, value);
}

/** The schema document, loaded once per test file (a module constant: read-only after load). */
function loadValidators(): { response: ValidateFunction; event: ValidateFunction; itemList: ValidateFunction } {
  const doc = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { definitions: Record<string, SchemaNode> };
  useDiscriminators(doc.definitions, doc.definitions);
  const ajv = new Ajv({ discriminator: true, allErrors: false, strict: false });
  ajv.addSchema({ $id: 'responses', definitions: doc.definitions });
  const get = (name: string): ValidateFunction => {
    const v = ajv.getSchema(`responses${REF}${name}`);
    if (v === undefined) throw new Error(`responses.schema.json has no definition ${name}`);
    return v;
  };
  return { response: get('Response'), event: get('ResponseStreamEvent'), itemList: get('ResponseItemList') };
}

const validators = loadValidators();

function valueAt(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const part of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

function describe(what: string, root: unknown, errors: ErrorObject[] | null | undefined): string {
  const lines = (errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
    const value = JSON.stringify(valueAt(root, e.instancePath)) ?? 'undefined';
    return `  ${e.instancePath || '/'} ${e.message ?? e.keyword}${extra}; value: ${value.slice(0, 300)}`;
  });
  return `${what} does not match the openai SDK's types:\n${lines.join('\n')}\n${what}: ${JSON.stringify(root).slice(0, 2000)}`;
}

/** Throws unless `obj` is a wire `Response` object as the SDK declares it (without the client-side `output_text`). */
export function assertValidResponse(obj: unknown): void {
  if (!validators.response(obj)) throw new Error(describe('response object', obj, validators.response.errors));
}

/** Throws unless `ev` (a parsed SSE `data:` payload) is a `ResponseStreamEvent` of the type it names. */
export function assertValidEvent(ev: unknown): void {
  if (!validators.event(ev)) {
    const type = (ev as { type?: unknown } | null)?.type;
    throw new Error(describe(`event ${JSON.stringify(type)}`, ev, validators.event.errors));
  }
}

/** Throws unless `list` is the body of GET /v1/responses/{id}/input_items (`ResponseItemList`). */
export function assertValidItemList(list: unknown): void {
  if (!validators.itemList(list)) throw new Error(describe('input item list', list, validators.itemList.errors));
}
