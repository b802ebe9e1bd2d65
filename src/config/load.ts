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

export function interpolateEnv(text: string, env: Env, problems: string[]): string {
  return text.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    problems.push(`\${${name}}: environment variable is not set`);
    return '';
  });
}

const WHOLE_REF = /^\$\{[^}]+\}$/;

/**
 * Interpolates every string value of a parsed YAML tree. A value that is one whole reference (`port: ${PORT}`) is
 * read as YAML again, so numbers and booleans from the environment keep their type.
 */
export function interpolateValues(node: unknown, env: Env, problems: string[]): unknown {
  if (typeof node === 'string') {
    if (!node.includes('${')) return node;
    const text = interpolateEnv(node, env, problems);
    if (!WHOLE_REF.test(node)) return text;
    try {
      const typed: unknown = parseYaml(text);
      return typeof typed === 'number' || typeof typed === 'boolean' ? typed : text;
    } catch {
      return text;
    }
  }
  if (Array.isArray(node)) return node.map((v) => interpolateValues(v, env, problems));
  if (typeof node === 'object' && node !== null) {
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) out[k] = interpolateValues(v, env, problems);
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

/** Environment variables that override the file; they work with no file at all (containers). */
export function applyEnvOverrides(raw: Json, env: Env, problems: string[]): void {
  const str = (name: string, path: string[]): void => {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(raw, path, v);
  };
  const num = (name: string, path: string[]): void => {
    const v = env[name];
    if (v === undefined || v === '') return;
    const n = parseNumber(name, v, problems);
    if (n !== undefined) setPath(raw, path, n);
  };
  const secret = (name: string, path: string[]): void => {
    const v = readSecretVar(env, name, problems);
    if (v !== undefined) setPath(raw, path, v);
  };
  const list = (name: string, path: string[]): void => {
    const v = readSecretVar(env, name, problems);
    if (v !== undefined) setPath(raw, path, splitList(v));
  };

  num('PORT', ['server', 'port']);
  str('HOST', ['server', 'host']);
  str('LOG_LEVEL', ['log', 'level']);
  for (const tier of ['reasoning', 'direct'] as const) {
    const prefix = `THINKGATE_${tier.toUpperCase()}`;
    str(`${prefix}_BASE_URL`, ['upstreams', tier, 'baseUrl']);
    str(`${prefix}_MODEL`, ['upstreams', tier, 'model']);
    secret(`${prefix}_API_KEY`, ['upstreams', tier, 'apiKey']);
  }
  list('THINKGATE_API_KEYS', ['auth', 'apiKeys']);
  list('THINKGATE_ADMIN_KEYS', ['auth', 'adminKeys']);
  str('THINKGATE_GATE', ['gate', 'kind']);
  num('THINKGATE_GATE_THRESHOLD', ['gate', 'threshold']);
  str('REDIS_URL', ['redis', 'url']);
}

export interface LoadOptions {
  /** Explicit path (`--config`); a missing explicit file is an error, a missing default file is not. */
  path?: string | undefined;
  env?: Env;
}

/** Issues as `path: reason`, the shape operators can act on. */
export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string[] {
  return issues.map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(root)'}: ${i.message}`);
}

export function parseConfig(raw: unknown): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(formatIssues(result.error.issues));
  return result.data;
}

export function loadConfig(opts: LoadOptions = {}): { config: Config; source: string | null } {
  const env = opts.env ?? process.env;
  const problems: string[] = [];
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
      const parsed = interpolateValues(parseYaml(text), env, problems);
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
  if (problems.length > 0) throw new ConfigError(problems);
  return { config: parseConfig(raw), source };
}
