/**
 * Smoke test of a running thinkgate *process started by someone else's command* — in practice the container
 * image, run by scripts/test-image.sh through `buildah run`. This driver owns the lifecycle:
 *
 *   1. starts two fake OpenAI-compatible upstreams on loopback and writes the upstream and client keys to
 *      files in --secrets-dir (the container reads them through the `*_FILE` variables);
 *   2. spawns the command after `--` with the container environment in its env (the command forwards it);
 *   3. waits for `/healthz`, then checks readiness, auth, one non-streaming and one streaming chat request
 *      through the official OpenAI SDK, that upstreams got their own key (read from the file), and the
 *      optional `--probe` command (the image's HEALTHCHECK);
 *   4. starts a slow stream, sends SIGTERM and checks that the stream still completes (graceful drain)
 *      and that the process exits 0.
 *
 * Prints one JSON line per check and a summary; exits 0 when all pass.
 *
 *   tsx scripts/image-smoke.ts --port 18080 --secrets-dir /tmp/s [--probe 'cmd'] -- <command…>
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startFakeUpstream, lastUserContent, type FakeUpstream } from '../test/support/fake-upstream.js';

const REASONING_KEY = 'sk-image-smoke-reasoning-from-file';
const DIRECT_KEY = 'sk-image-smoke-direct-from-file';
const CLIENT_KEY = 'sk-image-smoke-client';
const DRAIN_PROMPT = 'drain test: answer slowly';
const DRAIN_CHUNKS = 12;
const DRAIN_CHUNK_DELAY_MS = 250;

interface Args {
  port: number;
  secretsDir: string;
  /** Where the container sees --secrets-dir. */
  secretsMount: string;
  probe: string | undefined;
  /** Delivers the stop signal to the container's main process (bash; SMOKE_CHILD_PID is the spawned command). */
  stopCommand: string | undefined;
  startTimeoutMs: number;
  command: string[];
}

function parseArgs(argv: string[]): Args {
  const dash = argv.indexOf('--');
  if (dash < 0 || dash === argv.length - 1) throw new Error('usage: image-smoke.ts --port N --secrets-dir DIR [--secrets-mount PATH] [--probe CMD] -- <command…>');
  const opts = new Map<string, string>();
  const head = argv.slice(0, dash);
  for (let i = 0; i < head.length; i += 2) {
    const name = head[i];
    const value = head[i + 1];
    if (name === undefined || !name.startsWith('--') || value === undefined) throw new Error(`bad option near "${name ?? ''}"`);
    opts.set(name.slice(2), value);
  }
  const secretsDir = opts.get('secrets-dir');
  if (secretsDir === undefined) throw new Error('--secrets-dir is required');
  return {
    port: Number(opts.get('port') ?? 18080),
    secretsDir,
    secretsMount: opts.get('secrets-mount') ?? secretsDir,
    probe: opts.get('probe'),
    stopCommand: opts.get('stop-command'),
    startTimeoutMs: Number(opts.get('start-timeout-ms') ?? 60_000),
    command: argv.slice(dash + 1),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class Checks {
  failed = 0;
  passed = 0;
  async run(name: string, fn: () => Promise<string | void>): Promise<void> {
    const started = performance.now();
    try {
      const detail = await fn();
      this.passed++;
      console.log(JSON.stringify({ check: name, ok: true, ms: Math.round(performance.now() - started), ...(detail ? { detail } : {}) }));
    } catch (err) {
      this.failed++;
      console.log(JSON.stringify({ check: name, ok: false, error: err instanceof Error ? err.message : String(err) }));
    }
  }
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Resolves with the exit code (or the signal name) once the child is gone. */
function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before /healthz answered`);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return performance.now() - started;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`/healthz did not answer within ${timeoutMs} ms`);
}

function runProbe(command: string, env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const probe = spawn('bash', ['-c', command], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
    probe.once('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const reasoning = await startFakeUpstream({ model: 'fake-reasoner', reasoning: 'Thinking in the fake upstream.' });
  const direct = await startFakeUpstream({ model: 'fake-chat' });
  direct.scenario = (body) =>
    lastUserContent(body) === DRAIN_PROMPT
      ? { kind: 'answer', chunkDelayMs: DRAIN_CHUNK_DELAY_MS, answer: { content: 'x'.repeat(DRAIN_CHUNKS * 4), dialect: 'none', chunkSize: 4 } }
      : { kind: 'answer', answer: { content: `echo: ${lastUserContent(body)}`, dialect: 'none' } };

  mkdirSync(args.secretsDir, { recursive: true });
  writeFileSync(join(args.secretsDir, 'reasoning_api_key'), `${REASONING_KEY}\n`, { mode: 0o644 });
  writeFileSync(join(args.secretsDir, 'direct_api_key'), `${DIRECT_KEY}\n`, { mode: 0o644 });
  writeFileSync(join(args.secretsDir, 'client_api_keys'), `${CLIENT_KEY}\n`, { mode: 0o644 });
  const containerEnv: Record<string, string> = {
    PORT: String(args.port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    THINKGATE_REASONING_BASE_URL: reasoning.url,
    THINKGATE_REASONING_MODEL: 'fake-reasoner',
    THINKGATE_REASONING_API_KEY_FILE: `${args.secretsMount}/reasoning_api_key`,
    THINKGATE_DIRECT_BASE_URL: direct.url,
    THINKGATE_DIRECT_MODEL: 'fake-chat',
    THINKGATE_DIRECT_API_KEY_FILE: `${args.secretsMount}/direct_api_key`,
    THINKGATE_API_KEYS_FILE: `${args.secretsMount}/client_api_keys`,
  };
  const [cmd, ...cmdArgs] = args.command as [string, ...string[]];
  const child = spawn(cmd, cmdArgs, { env: { ...process.env, ...containerEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logLines: string[] = [];
  const keep = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logLines.push(line);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const gone = exited(child);

  const url = `http://127.0.0.1:${args.port}`;
  const checks = new Checks();
  try {
    await checks.run('starts and answers /healthz', async () => `${Math.round(await waitHealthy(url, child, args.startTimeoutMs))} ms after spawn`);
    if (checks.failed > 0) return finish(checks, logLines, child, gone, [reasoning, direct]);
    await runChecks(checks, url, args, reasoning, direct);
    await checkDrain(checks, url, child, gone, logLines, args.stopCommand);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  return finish(checks, logLines, child, gone, [reasoning, direct]);
}

async function runChecks(checks: Checks, url: string, args: Args, reasoning: FakeUpstream, direct: FakeUpstream): Promise<void> {
  const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0, timeout: 15_000 });

  await checks.run('/healthz reports configured mode', async () => {
    const body = (await (await fetch(`${url}/healthz`)).json()) as { status?: string; mode?: string };
    assert(body.status === 'ok' && body.mode === 'configured', `got ${JSON.stringify(body)}`);
  });
  await checks.run('/readyz is ready (both fakes reachable from the container)', async () => {
    const res = await fetch(`${url}/readyz`);
    assert(res.status === 200, `status ${res.status}: ${await res.text()}`);
  });
  if (args.probe !== undefined) {
    const probe = args.probe;
    await checks.run('image HEALTHCHECK command exits 0', async () => {
      const code = await runProbe(probe);
      assert(code === 0, `exit code ${code}`);
    });
  }
  await checks.run('client key from THINKGATE_API_KEYS_FILE is enforced (401 without it)', async () => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = (await res.json()) as { error?: { type?: string } };
    assert(res.status === 401 && typeof body.error?.type === 'string', `status ${res.status}: ${JSON.stringify(body)}`);
  });
  await checks.run('non-streaming chat via the OpenAI SDK reaches the reasoning fake', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'Prove that there are infinitely many primes.' }] })
      .withResponse();
    const message = data.choices[0]?.message as (OpenAI.ChatCompletionMessage & { reasoning_content?: string }) | undefined;
    assert(response.headers.get('x-thinkgate-route') === 'reasoning', `route header ${response.headers.get('x-thinkgate-route')}`);
    assert(message?.content === 'echo: Prove that there are infinitely many primes.', `content ${message?.content}`);
    assert(message.reasoning_content === 'Thinking in the fake upstream.', `reasoning_content ${message.reasoning_content}`);
    const seen = reasoning.chatRequests().at(-1)?.headers.authorization;
    assert(seen === `Bearer ${REASONING_KEY}`, 'reasoning upstream did not receive the key from THINKGATE_REASONING_API_KEY_FILE');
    return `x-thinkgate-score ${response.headers.get('x-thinkgate-score')}`;
  });
  await checks.run('streaming chat via the OpenAI SDK reaches the direct fake', async () => {
    const stream = await openai.chat.completions.create({ model: 'thinkgate-direct', stream: true, messages: [{ role: 'user', content: 'hello stream' }] });
    let content = '';
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      content += chunk.choices[0]?.delta.content ?? '';
    }
    assert(content === 'echo: hello stream', `content ${content}`);
    assert(direct.chatRequests().at(-1)?.headers.authorization === `Bearer ${DIRECT_KEY}`, 'direct upstream did not receive the key from its file');
    return `${chunks} chunks`;
  });
}

/** SIGTERM while a slow stream is in flight: the stream must finish whole and the process exit 0. */
async function checkDrain(
  checks: Checks,
  url: string,
  child: ChildProcess,
  gone: Promise<number | string>,
  logLines: string[],
  stopCommand: string | undefined,
): Promise<void> {
  // A container runtime signals the container's main process; a wrapper such as `buildah run` may not pass it on.
  const stop = async (): Promise<void> => {
    if (stopCommand === undefined) child.kill('SIGTERM');
    else if ((await runProbe(stopCommand, { SMOKE_CHILD_PID: String(child.pid) })) !== 0) throw new Error('stop command failed');
  };
  await checks.run('SIGTERM drains an in-flight stream, then the process exits 0', async () => {
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0, timeout: 30_000 });
    const stream = await openai.chat.completions.create({ model: 'thinkgate-direct', stream: true, messages: [{ role: 'user', content: DRAIN_PROMPT }] });
    let content = '';
    let finish: string | null | undefined;
    let signalledAt = 0;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (signalledAt === 0 && content.length > 0) {
        signalledAt = performance.now();
        await stop();
      }
    }
    assert(content === 'x'.repeat(DRAIN_CHUNKS * 4), `stream cut: got ${content.length} of ${DRAIN_CHUNKS * 4} characters`);
    assert(finish === 'stop', `finish_reason ${finish}`);
    const code = await Promise.race([gone, sleep(20_000).then(() => 'still running 20 s after SIGTERM')]);
    assert(code === 0, `exit: ${code}`);
    assert(logLines.some((l) => l.includes('draining in-flight requests')), 'no "draining in-flight requests" log line');
    return `stream completed and exit 0 ${Math.round(performance.now() - signalledAt)} ms after SIGTERM`;
  });
}

async function finish(checks: Checks, logLines: string[], child: ChildProcess, gone: Promise<number | string>, fakes: FakeUpstream[]): Promise<number> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.race([gone, sleep(5_000)]);
  await Promise.all(fakes.map((f) => f.close()));
  const leaked = logLines.filter((l) => l.includes(REASONING_KEY) || l.includes(DIRECT_KEY) || l.includes(CLIENT_KEY));
  if (leaked.length > 0) {
    checks.failed++;
    console.log(JSON.stringify({ check: 'no key in the container log', ok: false, error: `${leaked.length} lines contain a key` }));
  } else {
    checks.passed++;
    console.log(JSON.stringify({ check: 'no key in the container log', ok: true, detail: `${logLines.length} log lines` }));
  }
  if (checks.failed > 0) {
    console.log('--- container output (last 40 lines) ---');
    for (const line of logLines.slice(-40)) console.log(line);
  }
  console.log(JSON.stringify({ summary: true, passed: checks.passed, failed: checks.failed }));
  return checks.failed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`image-smoke: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
  },
);
