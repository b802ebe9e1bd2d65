/**
 * Writes docs/configuration.md from the zod configuration schema, so the reference cannot drift from the code.
 *
 *   npm run docs:config            # regenerate docs/configuration.md
 *   npm run docs:config -- --check # exit 1 if the committed file is stale (test/deploy/config-docs.test.ts does the same)
 *
 * Sources, all read from the code:
 *  - types, defaults, bounds and enums: `z.toJSONSchema(configSchema)` (input side: what an operator writes);
 *  - descriptions: `.describe()`/`.meta()` on a schema when present, else the `/** … *\/` comment above the key
 *    in any `z.object`/`z.strictObject` literal under src/ (matched to the schema object by its exact key set);
 *  - environment variables: `applyEnvOverrides` itself, run against an environment that records what it reads.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { z } from 'zod';
import { applyEnvOverrides } from '../src/config/load.js';
import { configSchema } from '../src/config/schema.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CONFIG_DOC_PATH = join(ROOT, 'docs', 'configuration.md');

/** The subset of JSON Schema that `z.toJSONSchema` emits for the config. */
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  default?: unknown;
  description?: string;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
}

// ---- descriptions from doc comments ----

const OBJECT_FACTORIES = new Set(['object', 'strictObject', 'looseObject']);
const keySignature = (keys: Iterable<string>): string => [...keys].sort().join(',');

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

/** key set of each `z.object({...})` literal in `files` → (key → its doc comment). */
export function collectDocComments(files: string[]): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        OBJECT_FACTORIES.has(node.expression.name.text) &&
        node.arguments[0] !== undefined &&
        ts.isObjectLiteralExpression(node.arguments[0])
      ) {
        const docs = new Map<string, string>();
        const keys: string[] = [];
        for (const prop of node.arguments[0].properties) {
          const name = prop.name === undefined ? undefined : propertyName(prop.name);
          if (name === undefined) continue;
          keys.push(name);
          const text = ts
            .getJSDocCommentsAndTags(prop)
            .filter(ts.isJSDoc)
            .map((d) => ts.getTextOfJSDocComment(d.comment) ?? '')
            .join(' ')
            .replace(/\s+/g, ' ')
            .trim();
          if (text !== '') docs.set(name, text);
        }
        out.set(keySignature(keys), docs);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

// ---- environment variables, as applyEnvOverrides reads them ----

export interface EnvBinding {
  name: string;
  /** `NAME_FILE` is read too (secrets from mounted files). */
  fromFile: boolean;
}

export interface EnvBindings {
  /** Config path (dotted) → the environment variable that overrides it. */
  byPath: Map<string, EnvBinding>;
  /** Variables read but not traced to a path (a parser rejected the probe value): listed without a key. */
  untraced: EnvBinding[];
}

export function discoverEnvBindings(): EnvBindings {
  const markers = new Map<string, string>();
  const fileVariants = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get(_target, prop) {
      if (typeof prop !== 'string') return undefined;
      if (prop.endsWith('_FILE')) {
        fileVariants.add(prop.slice(0, -'_FILE'.length));
        return undefined;
      }
      // A distinct number-like value per variable: valid for string, number and list overrides alike.
      if (!markers.has(prop)) markers.set(prop, String(7_000_001 + markers.size));
      return markers.get(prop);
    },
  });
  const raw: Record<string, unknown> = {};
  applyEnvOverrides(raw, env, []);
  const byMarker = new Map([...markers].map(([name, marker]) => [marker, name]));
  const bindings = new Map<string, EnvBinding>();
  const walk = (value: unknown, path: string[]): void => {
    const leaf = Array.isArray(value) ? value[0] : value;
    const name = typeof leaf === 'string' || typeof leaf === 'number' ? byMarker.get(String(leaf)) : undefined;
    if (name !== undefined) {
      bindings.set(path.join('.'), { name, fromFile: fileVariants.has(name) });
      return;
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [key, child] of Object.entries(value)) walk(child, [...path, key]);
    }
  };
  walk(raw, []);
  const traced = new Set([...bindings.values()].map((b) => b.name));
  const untraced = [...markers.keys()].filter((n) => !traced.has(n)).map((name) => ({ name, fromFile: fileVariants.has(name) }));
  return { byPath: bindings, untraced };
}

// ---- rendering ----

interface Row {
  path: string;
  type: string;
  required: boolean;
  defaultValue: string;
  env: string;
  description: string;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string): string => (text === '' ? '' : `\`${text}\``);

function typeOf(s: JsonSchema): string {
  if (s.enum !== undefined) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.anyOf !== undefined) return s.anyOf.map(typeOf).join(' | ');
  const type = Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? 'any');
  if (type === 'array') return `${s.items ? typeOf(s.items) : 'any'}[]`;
  if (type === 'object' && s.properties === undefined) {
    const value = typeof s.additionalProperties === 'object' ? typeOf(s.additionalProperties) : 'any';
    return `map<string, ${value}>`;
  }
  if (s.format === 'uri') return 'URL';
  return type;
}

function constraints(s: JsonSchema): string[] {
  const out: string[] = [];
  const huge = (n: number): boolean => Math.abs(n) >= Number.MAX_SAFE_INTEGER;
  if (s.minimum !== undefined && !huge(s.minimum)) out.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) out.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined && !huge(s.maximum)) out.push(`≤ ${s.maximum}`);
  if (s.pattern !== undefined) out.push(`matches \`${s.pattern}\``);
  return out;
}

const isStructured = (s: JsonSchema): boolean => s.properties !== undefined;

/** Sibling objects with the same shape (upstreams.reasoning / .direct) are documented once. */
function groupSiblings(properties: Record<string, JsonSchema>): { keys: string[]; schema: JsonSchema }[] {
  const groups: { keys: string[]; schema: JsonSchema; json: string }[] = [];
  for (const [key, schema] of Object.entries(properties)) {
    const json = JSON.stringify(schema);
    const same = isStructured(schema) ? groups.find((g) => g.json === json) : undefined;
    if (same) same.keys.push(key);
    else groups.push({ keys: [key], schema, json });
  }
  return groups;
}

function rowsOf(
  schema: JsonSchema,
  prefixes: string[][],
  docs: Map<string, Map<string, string>>,
  env: Map<string, EnvBinding>,
  out: Row[],
): void {
  const properties = schema.properties ?? {};
  const keyDocs = docs.get(keySignature(Object.keys(properties)));
  const required = new Set(schema.required ?? []);
  for (const { keys, schema: child } of groupSiblings(properties)) {
    const paths = prefixes.flatMap((p) => keys.map((k) => [...p, k]));
    const label = keys.length > 1 ? `<${keys.join('|')}>` : (keys[0] as string);
    const shown = [...(prefixes[0] ?? []).map((seg, i) => (prefixes.every((p) => p[i] === seg) ? seg : `<${[...new Set(prefixes.map((p) => p[i]))].join('|')}>`)), label].join('.');
    const description = child.description ?? keyDocs?.get(keys[0] as string) ?? '';
    const envNames = paths.map((p) => env.get(p.join('.'))).filter((b): b is EnvBinding => b !== undefined);
    out.push({
      path: shown,
      type: isStructured(child) ? 'object' : [typeOf(child), ...constraints(child)].join(', '),
      required: required.has(keys[0] as string),
      defaultValue: child.default === undefined || isStructured(child) ? '' : JSON.stringify(child.default),
      env: envNames.map((b) => `\`${b.name}\`${b.fromFile ? ` (or \`${b.name}_FILE\`)` : ''}`).join('<br>'),
      description,
    });
    if (isStructured(child)) rowsOf(child, paths, docs, env, out);
  }
}

export function renderConfigurationDoc(): string {
  const jsonSchema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const docs = collectDocComments(sourceFiles(join(ROOT, 'src')));
  const env = discoverEnvBindings();
  const rows: Row[] = [];
  rowsOf(jsonSchema, [[]], docs, env.byPath, rows);

  const sections: string[] = [];
  for (const top of Object.keys(jsonSchema.properties ?? {})) {
    const own = rows.filter((r) => r.path === top || r.path.startsWith(`${top}.`));
    const head = own[0];
    const body = own.slice(1);
    sections.push(`## \`${top}\`\n`);
    if (head !== undefined && head.description !== '') sections.push(`${head.description}\n`);
    if (body.length === 0) continue;
    sections.push('| key | type | default | env | description |', '|---|---|---|---|---|');
    for (const r of body) {
      const type = `${cell(code(r.type))}${r.required ? ' (required)' : ''}`;
      sections.push(`| ${cell(code(r.path))} | ${type} | ${cell(code(r.defaultValue))} | ${r.env} | ${cell(r.description)} |`);
    }
    sections.push('');
  }
  const envRow = (b: EnvBinding, key: string): string => `| \`${b.name}\` | ${b.fromFile ? `\`${b.name}_FILE\`` : ''} | ${key} |`;
  const envRows = [...[...env.byPath].map(([path, b]) => envRow(b, `\`${path}\``)), ...env.untraced.map((b) => envRow(b, '(see `src/config/load.ts`)'))];

  return [
    '# Configuration reference',
    '',
    '<!-- Generated by scripts/gen-config-docs.ts from src/config/schema.ts: do not edit by hand. Run `npm run docs:config`. -->',
    '',
    'thinkgate reads one YAML file — `config/thinkgate.yaml` by default, or `--config PATH`, or `THINKGATE_CONFIG=PATH` —',
    'resolves `${VAR}` and `${VAR:-default}` references in it from the environment, then applies the environment',
    'variables below on top. Every setting has a default, so no file at all is a valid configuration: with no upstream',
    'configured the gateway runs its embedded demo upstreams. An invalid configuration stops start-up with one',
    '`path: reason` line per problem. A commented example: [`config/thinkgate.example.yaml`](../config/thinkgate.example.yaml).',
    '',
    '## Environment variables',
    '',
    'They work with no file at all (containers). A variable with a `_FILE` variant reads the value from that file',
    '(Docker and Kubernetes secrets); the file wins over the plain variable.',
    '',
    '| variable | file variant | config key |',
    '|---|---|---|',
    ...envRows,
    '',
    ...sections,
  ].join('\n');
}

function main(argv: string[]): number {
  const doc = renderConfigurationDoc();
  const current = ((): string | null => {
    try {
      return readFileSync(CONFIG_DOC_PATH, 'utf8');
    } catch {
      return null;
    }
  })();
  if (argv.includes('--check')) {
    if (current === doc) return 0;
    process.stderr.write(`${relative(process.cwd(), CONFIG_DOC_PATH)} is out of date: run npm run docs:config\n`);
    return 1;
  }
  writeFileSync(CONFIG_DOC_PATH, doc);
  process.stdout.write(`wrote ${relative(process.cwd(), CONFIG_DOC_PATH)}\n`);
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
