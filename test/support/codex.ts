import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Codex CLI (`@openai/codex`) for end-to-end tests. Its npm package brings a ~400 MB native binary, so it is not a
 * project dependency: the first run installs the pinned version with `npm install --prefix` into a cache folder
 * outside the repository, later runs (and later CI runs on the same machine) reuse it:
 *
 *   ${THINKGATE_TEST_TOOLS:-${XDG_CACHE_HOME:-~/.cache}/thinkgate-test-tools}/codex-<CODEX_VERSION>
 *
 * Where it cannot be installed or does not run (no registry, no disk, another platform), `ensureCodex` says why and
 * the tests skip with that message. CODEX_TEST=0 turns the tests off.
 *
 * Run as a script (`npx tsx test/support/codex.ts`, as .ci/run does before the tests) it installs or finds Codex
 * and prints which, so a run's log says up front whether the Codex tests will run.
 */

/** Pinned: the request shape and the events it needs were captured from this version (docs in the test). */
export const CODEX_VERSION = '0.171.0';

const run = promisify(execFile);

export type CodexInstall = { ok: true; bin: string; version: string } | { ok: false; reason: string };

export function codexCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.THINKGATE_TEST_TOOLS ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'thinkgate-test-tools');
  return join(base, `codex-${CODEX_VERSION}`);
}

async function versionOf(bin: string): Promise<string | null> {
  try {
    const { stdout } = await run(bin, ['--version'], { timeout: 30_000 });
    return stdout.trim();
  } catch {
    return null;
  }
}

/**
 * The path of a working `codex` binary of CODEX_VERSION, installing it into the cache on first use
 * (an install is made in a private folder and renamed into place, so two runs at once cannot see half of one).
 */
export async function ensureCodex(): Promise<CodexInstall> {
  if (process.env.CODEX_TEST === '0') return { ok: false, reason: 'CODEX_TEST=0' };
  const dir = codexCacheDir();
  const binIn = (root: string): string => join(root, 'node_modules', '.bin', 'codex');
  const want = `codex-cli ${CODEX_VERSION}`;
  if (existsSync(binIn(dir)) && (await versionOf(binIn(dir))) === want) return { ok: true, bin: binIn(dir), version: want };

  const partial = `${dir}.partial-${process.pid}`;
  try {
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    await run('npm', ['install', '--prefix', partial, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', `@openai/codex@${CODEX_VERSION}`], {
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    const detail = err instanceof Error ? err.message.split('\n').slice(0, 6).join(' | ') : String(err);
    return { ok: false, reason: `npm could not install @openai/codex@${CODEX_VERSION} into ${partial}: ${detail}` };
  }
  const got = await versionOf(binIn(partial));
  if (got !== want) {
    await rm(partial, { recursive: true, force: true });
    return { ok: false, reason: `@openai/codex@${CODEX_VERSION} installed but its binary does not run here (--version gave ${JSON.stringify(got)})` };
  }
  await rm(dir, { recursive: true, force: true });
  try {
    await rename(partial, dir);
  } catch {
    // Another run renamed its install into place first: use that one.
    await rm(partial, { recursive: true, force: true });
  }
  return (await versionOf(binIn(dir))) === want ? { ok: true, bin: binIn(dir), version: want } : { ok: false, reason: `no working codex in ${dir}` };
}

export interface CodexHome {
  /** Used as HOME: holds `.codex/config.toml`. */
  home: string;
  /** The working folder Codex runs in (its tool calls run here). */
  workdir: string;
  close(): Promise<void>;
}

/**
 * A throwaway HOME whose `.codex/config.toml` points Codex at `baseUrl` (the gateway's `/v1`) with the Responses
 * wire API, a dummy key read from THINKGATE_CODEX_KEY, no retries (a broken stream fails the run at once
 * instead of reconnecting five times), and no update check, analytics or feedback (runs are checked with
 * `--strict-config`, so a key this Codex version does not know fails loudly).
 */
export async function codexHome(baseUrl: string, model: string): Promise<CodexHome> {
  const root = await mkdtemp(join(tmpdir(), 'thinkgate-codex-'));
  const home = join(root, 'home');
  const workdir = join(root, 'work');
  await mkdir(join(home, '.codex'), { recursive: true });
  await mkdir(workdir, { recursive: true });
  const config = [
    `model = ${JSON.stringify(model)}`,
    'model_provider = "thinkgate"',
    // Nothing leaves the machine but the requests to the gateway: no update check, analytics or feedback uploads.
    'check_for_update_on_startup = false',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[feedback]',
    'enabled = false',
    '',
    '[model_providers.thinkgate]',
    'name = "thinkgate"',
    `base_url = ${JSON.stringify(baseUrl)}`,
    'wire_api = "responses"',
    'env_key = "THINKGATE_CODEX_KEY"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    'stream_idle_timeout_ms = 20000',
    '',
  ].join('\n');
  await writeFile(join(home, '.codex', 'config.toml'), config);
  return { home, workdir, close: () => rm(root, { recursive: true, force: true }) };
}

export interface CodexRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `codex exec` non-interactively: config keys checked, no git repository needed, no session files kept,
 * read-only sandbox, approvals never asked (exec's default), stdin closed. The environment is the test's minus any real OpenAI credentials.
 */
export function runCodexExec(bin: string, h: CodexHome, prompt: string, timeoutMs = 60_000): Promise<CodexRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: h.home, THINKGATE_CODEX_KEY: 'sk-codex-test', NO_COLOR: '1' };
  for (const k of ['CODEX_HOME', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ORG_ID', 'OPENAI_PROJECT_ID']) delete env[k];
  const args = ['exec', '--strict-config', '--skip-git-repo-check', '--ephemeral', '--sandbox', 'read-only', '--color', 'never', '--cd', h.workdir, prompt];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: h.workdir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    // SIGTERM first: the npm wrapper forwards it to the native binary (a SIGKILL would orphan the binary).
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const found = await ensureCodex();
  const took = ((Date.now() - started) / 1000).toFixed(1);
  console.log(found.ok ? `codex: ${found.version} at ${found.bin} (${took} s)` : `codex: not available, its tests will skip: ${found.reason}`);
}
