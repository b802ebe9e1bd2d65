import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema, type Config } from './schema.js';

export const DEFAULT_CONFIG_PATH = 'config/thinkgate.yaml';

/** Thrown when configuration is invalid: one line per problem, `path: reason`, no stack trace meant for users. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;
type Json = Record<string, unknown>;

/** `${NAME}` and `${NAME:-default}` in YAML values, resolved from the environment. */
const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Unset `${VAR}` references, each with the config keys that use it: reported once per variable, naming the keys
 * (`${DEEPSEEK_API_KEY}: environment variable is not set (used by upstreams.reasoning.apiKey, upstreams.direct.apiKey)`).
 */
export class MissingEnvRefs {
  private readonly byName = new Map<string, string[]>();

  add(name: string, path: string): void {
    const paths = this.byName.get(name) ?? [];
    if (!paths.includes(path)) paths.push(path);
    this.byName.set(name, paths);
  }

  problems(): string[] {
    return [...this.byName].map(([name, paths]) => `\${${name}}: environment variable is not set (used by ${paths.join(', ')})`);
  }
}

export function interpolateEnv(text: string, env: Env, missing: MissingEnvRefs, path = '(value)'): string {
  return text.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    missing.add(name, path);
    return '';
  });
}

const WHOLE_REF = /^\$\{[^}]+\}$/;

/**
 * Interpolates every string value of a parsed YAML tree. A value that is one whole reference (`port: ${PORT}`) is
 * read as YAML again, so numbers and booleans from the environment keep their type.
 */
export function interpolateValues(node: unknown, env: Env, missing: MissingEnvRefs, path: readonly string[] = []): unknown {
  if (typeof node === 'string') {
    if (!node.includes('${')) return node;
    const text = interpolateEnv(node, env, missing, path.join('.') || '(root)');
    if (!WHOLE_REF.test(node)) return text;
    try {
      const typed: unknown = parseYaml(text);
      return typeof typed === 'number' || typeof typed === 'boolean' ? typed : text;
    } catch {
      return text;
    }
  }
  if (Array.isArray(node)) return node.map((v, i) => interpolateValues(v, env, missing, [...path, String(i)]));
  if (typeof node === 'object' && node !== null) {
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) out[k] = interpolateValues(v, env, missing, [...path, k]);
    return out;
  }
  return node;
}

function readSecretVar(env: Env, name: string, problems: string[]): string | undefined {
  const fileVar = env[`${name}_FILE`];
  if (fileVar) {
    try {
      return readFileSync(fileVar, 'utf8').trim();
    } catch {
      problems.push(`${name}_FILE: cannot read file ${fileVar}`);
      return undefined;
    }
  }
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

function setPath(target: Json, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Json;
  }
  node[path[path.length - 1] as string] = value;
}

function parseNumber(name: string, raw: string, problems: string[]): number | undefined {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) {
    problems.push(`${name}: expected a number, got "${raw}"`);
    return undefined;
  }
  return n;
}

const splitList = (raw: string): string[] => raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);

type EnvKind = 'string' | 'number' | 'secret' | 'list';

/** One environment variable and the config key it overrides; `secret` and `list` also read `NAME_FILE`. */
interface EnvBinding {
  name: string;
  path: readonly string[];
  kind: EnvKind;
}

const ENV_BINDINGS: readonly EnvBinding[] = [
  { name: 'PORT', path: ['server', 'port'], kind: 'number' },
  { name: 'HOST', path: ['server', 'host'], kind: 'string' },
  { name: 'LOG_LEVEL', path: ['log', 'level'], kind: 'string' },
  ...(['reasoning', 'direct'] as const).flatMap((tier): EnvBinding[] => {
    const prefix = `THINKGATE_${tier.toUpperCase()}`;
    return [
      { name: `${prefix}_BASE_URL`, path: ['upstreams', tier, 'baseUrl'], kind: 'string' },
      { name: `${prefix}_MODEL`, path: ['upstreams', tier, 'model'], kind: 'string' },
      { name: `${prefix}_API_KEY`, path: ['upstreams', tier, 'apiKey'], kind: 'secret' },
    ];
  }),
  { name: 'THINKGATE_API_KEYS', path: ['auth', 'apiKeys'], kind: 'list' },
  { name: 'THINKGATE_ADMIN_KEYS', path: ['auth', 'adminKeys'], kind: 'list' },
  { name: 'THINKGATE_GATE', path: ['gate', 'kind'], kind: 'string' },
  { name: 'THINKGATE_GATE_THRESHOLD', path: ['gate', 'threshold'], kind: 'number' },
  { name: 'REDIS_URL', path: ['redis', 'url'], kind: 'string' },
];

const ENV_BY_PATH = new Map(ENV_BINDINGS.map((b) => [b.path.join('.'), b.name]));

/** The environment variable that sets a config key (dotted path), if any. */
export const envVarFor = (path: string): string | undefined => ENV_BY_PATH.get(path);

/** Environment variables that override the file; they work with no file at all (containers). */
export function applyEnvOverrides(raw: Json, env: Env, problems: string[]): void {
  for (const { name, path, kind } of ENV_BINDINGS) {
    if (kind === 'secret' || kind === 'list') {
      const v = readSecretVar(env, name, problems);
      if (v !== undefined) setPath(raw, path, kind === 'list' ? splitList(v) : v);
      continue;
    }
    const v = env[name];
    if (v === undefined || v === '') continue;
    if (kind === 'string') setPath(raw, path, v);
    else {
      const n = parseNumber(name, v, problems);
      if (n !== undefined) setPath(raw, path, n);
    }
  }
}

export interface LoadOptions {
  /** Explicit path (`--config`); a missing explicit file is an error, a missing default file is not. */
  path?: string | undefined;
  env?: Env;
}

interface Issue {
  path: readonly PropertyKey[];
  message: string;
  code?: string;
  input?: unknown;
}

/**
 * Issues as `path: reason`, the shape operators can act on. A missing required value says so, and names the
 * environment variable that can set it (`upstreams.reasoning.model: required: set THINKGATE_REASONING_MODEL or
 * write it in the config file`), since that is how most gateways are configured.
 */
export function formatIssues(issues: readonly Issue[]): string[] {
  return issues.map((i) => {
    const path = i.path.map(String).join('.');
    const envVar = envVarFor(path);
    const missing = i.code === 'invalid_type' && i.input === undefined;
    const reason = missing ? 'required' : i.message;
    const hint = envVar === undefined ? '' : missing ? `: set ${envVar} or write it in the config file` : ` (from ${envVar} or the config file)`;
    return `${path === '' ? '(root)' : path}: ${reason}${hint}`;
  });
}

export function parseConfig(raw: unknown): Config {
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigError(formatIssues(result.error.issues));
  return result.data;
}

export function loadConfig(opts: LoadOptions = {}): { config: Config; source: string | null } {
  const env = opts.env ?? process.env;
  const problems: string[] = [];
  const missing = new MissingEnvRefs();
  const explicit = opts.path ?? env.THINKGATE_CONFIG;
  const path = explicit ?? DEFAULT_CONFIG_PATH;
  let raw: Json = {};
  let source: string | null = null;
  if (existsSync(path)) {
    source = path;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError([`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
    }
    try {
      // Parse first, then interpolate the values: a `${VAR}` in a comment is not configuration.
      const parsed = interpolateValues(parseYaml(text), env, missing);
      if (parsed !== null && parsed !== undefined) {
        if (typeof parsed !== 'object' || Array.isArray(parsed)) problems.push(`${path}: top level must be a mapping`);
        else raw = parsed as Json;
      }
    } catch (err) {
      problems.push(`${path}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
    }
  } else if (explicit !== undefined) {
    throw new ConfigError([`${path}: configuration file not found`]);
  }
  applyEnvOverrides(raw, env, problems);
  problems.push(...missing.problems());
  if (problems.length > 0) throw new ConfigError(problems);
  return { config: parseConfig(raw), source };
}
