import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';

/** The streams a command talks through: the process's in the CLI, buffers in tests. */
export interface CommandIO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export type Command = (args: string[], io: CommandIO) => Promise<number>;

/**
 * Exit codes, the same in every subcommand: 0 done; 1 the configuration is invalid or the work could not be done
 * (a file cannot be written, a server cannot be reached); 2 bad input (unknown flag, bad value, unreadable or
 * malformed input lines).
 */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

/** Bad command-line input: the command prints the message and its usage, then exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Bad input data (a line, a file): the command prints the message and exits 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every subcommand takes. */
export const COMMON_OPTIONS = {
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/**
 * node's `util.parseArgs` in strict mode with the common flags added: an unknown flag, a missing value or a
 * value given to a boolean flag throws a `UsageError`. Shapes: `values` typed from `options`, `positionals` strings.
 */
export function parseCommandArgs<O extends Options>(args: string[], options: O, maxPositionals = 0) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, strict: true, allowPositionals: maxPositionals > 0 });
  } catch (err) {
    // node's messages name the flag ("Unknown option '--bogus'"); its advice about `--` is noise here.
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  if (parsed.positionals.length > maxPositionals) throw new UsageError(`unexpected argument "${parsed.positionals[maxPositionals] ?? ''}"`);
  return parsed;
}

/** A number flag in [min, max]; `undefined` when absent; a `UsageError` naming the flag otherwise. */
export function numberFlag(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number in [${min}, ${max}], got "${value}"`);
  return n;
}

/** One of a fixed set of words; a `UsageError` naming the flag and the choices otherwise. */
export function choiceFlag<T extends string>(value: string | undefined, name: string, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${value}"`);
  return value as T;
}

/**
 * The configuration as `serve` would load it: `--config PATH`, else `THINKGATE_CONFIG`, else
 * `config/thinkgate.yaml` when present, then the environment. Throws `ConfigError`.
 */
export function commandConfig(path: string | undefined, env: Record<string, string | undefined> = process.env): Config {
  return loadConfig({ path, env }).config;
}

/**
 * Runs a command body with the common error handling: `--help` prints usage; a `UsageError` prints the message and
 * usage and exits 2; an `InputError` exits 2; a `ConfigError` exits 1; anything else exits 1 with its message.
 */
export async function runCommand(name: string, usage: string, io: CommandIO, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError) {
      writeLine(io.stderr, `thinkgate ${name}: ${err.message}\n${usage}`);
      return EXIT.badInput;
    }
    if (err instanceof InputError) {
      writeLine(io.stderr, `thinkgate ${name}: ${err.message}`);
      return EXIT.badInput;
    }
    writeLine(io.stderr, `thinkgate ${name}: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}`);
    return EXIT.failed;
  }
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

export function writeLine(stream: NodeJS.WritableStream, line: string): void {
  stream.write(line + '\n');
}
