import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { readJson } from './support/http.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './support/fake-upstream.js';
import { redisServerBinary, startRedis } from './support/redis.js';

const CLI = 'dist/cli/main.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...opts.env }, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(opts.input ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('thinkgate CLI (compiled)', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} missing: run npm run build (npm test does it)`);
  });

  it('score: one line out per line in, in order, for prompts and messages; bad lines answer an error', async () => {
    const input = [
      JSON.stringify({ id: 'a', prompt: 'hello' }),
      JSON.stringify({ id: 'b', messages: [{ role: 'user', content: 'Prove that there are infinitely many primes.' }] }),
      'not json',
      JSON.stringify({ id: 'c', prompt: '你好' }),
    ].join('\n');
    const r = await runCli(['score'], { input });
    // A line that could not be scored makes the run's exit code 2 (bad input), after every line has its answer.
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('1 line(s) could not be scored');
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.id)).toEqual(['a', 'b', null, 'c']);
    for (const l of [lines[0], lines[1], lines[3]]) {
      expect(l).toEqual({
        id: expect.any(String),
        score: expect.any(Number),
        route: expect.stringMatching(/^(reasoning|direct)$/),
        difficulty: expect.any(Number),
        reasons: expect.any(Array),
      });
    }
    // Without an id to answer with, the error names the input line.
    expect(lines[2]).toEqual({ id: null, error: expect.stringMatching(/^line 3: not valid JSON \(.+\)$/) });
  });

  it('scores 100k lines in one process', async () => {
    const input = Array.from({ length: 100_000 }, (_, i) => JSON.stringify({ id: i, prompt: `question number ${i}: what is ${i} + ${i}?` })).join('\n');
    const r = await runCli(['score'], { input });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(100_000);
    expect(JSON.parse(lines[99_999]!).id).toBe(99_999);
  });

  it('serve: an invalid configuration stops start-up with one clear line per problem, no stack trace', async () => {
    const r = await runCli(['serve'], { env: { THINKGATE_REASONING_BASE_URL: 'http://127.0.0.1:1/v1', THINKGATE_REASONING_MODEL: 'r', PORT: 'x' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PORT: expected a number');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['score', 'score', Array.from({ length: 50_000 }, (_, i) => JSON.stringify({ id: i, prompt: `question ${i}` })).join('\n')],
    ['eval', 'eval test/gate/fresh-eval.jsonl', ''],
  ])('%s: a reader that closes the pipe early (| head -1) ends it quietly', async (_name, command, input) => {
    const child = spawn(process.execPath, [CLI, ...command.split(' ')], { env: { PATH: process.env.PATH ?? '' }, stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.on('error', () => {}); // the child may exit before taking all of stdin
    child.stdin.end(input);
    // Like `head -1`: read the first chunk, then close the read end of the pipe.
    await once(child.stdout, 'data');
    child.stdout.destroy();
    const [code] = (await once(child, 'close')) as [number | null];
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(code).toBe(0);
  });

  it('unknown command → usage and exit 2', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: thinkgate');
  });
});

describe('thinkgate serve: demo mode and graceful shutdown', () => {
  let fakeR: FakeUpstream;
  let fakeD: FakeUpstream;
  beforeAll(async () => {
    fakeR = await startFakeUpstream({ model: 'r' });
    fakeD = await startFakeUpstream({ model: 'd' });
  });
  afterAll(async () => {
    await fakeR.close();
    await fakeD.close();
  });

  async function startServe(env: Record<string, string>): Promise<{ url: string; child: ReturnType<typeof spawn>; stderr: () => string }> {
    const child = spawn(process.execPath, [CLI, 'serve'], { env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env }, stdio: 'pipe' });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const until = Date.now() + 10_000;
    while (!/"port":(\d+)/.test(out)) {
      if (Date.now() > until || child.exitCode !== null) throw new Error(`serve did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const port = /"port":(\d+)/.exec(out)![1];
    return { url: `http://127.0.0.1:${port}`, child, stderr: () => err };
  }

  it('with no upstream configured serves the demo upstreams, says so loudly, and /healthz reports demo', async () => {
    const s = await startServe({});
    try {
      expect(s.stderr()).toContain('DEMO MODE');
      // No client keys: the banner says every client is one tenant that shares cached answers.
      expect(s.stderr()).toMatch(/every\s+client is the one tenant "anonymous": cached answers, stored responses/);
      expect(await readJson((await fetch(`${s.url}/healthz`)))).toEqual({ status: 'ok', mode: 'demo' });
      const res = await fetch(`${s.url}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const body = await readJson(res);
      expect(body.choices?.[0]?.message?.reasoning_content).toMatch(/step by step/);
    } finally {
      s.child.kill('SIGTERM');
      await once(s.child, 'close');
    }
  });

  it('SIGTERM lets an in-flight stream finish, then exits 0', async () => {
    fakeD.scenario = () => ({ kind: 'answer', answer: { content: 'a fairly long streamed answer', chunkSize: 2 }, chunkDelayMs: 25 });
    const s = await startServe({
      THINKGATE_API_KEYS: 'sk-a,sk-b',
      THINKGATE_REASONING_BASE_URL: fakeR.url, THINKGATE_REASONING_MODEL: 'r',
      THINKGATE_DIRECT_BASE_URL: fakeD.url, THINKGATE_DIRECT_MODEL: 'd',
    });
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-a' },
      body: JSON.stringify({ model: 'thinkgate-direct', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(s.stderr()).not.toContain('the one tenant');
    // Client keys with every path forwarded: the banner says the upstream account's endpoints are shared.
    expect(s.stderr()).toMatch(/account-wide endpoints such as \/v1\/files, \/v1\/batches and \/v1\/fine_tuning are shared by every\s+tenant/);
    const closed = once(s.child, 'close');
    s.child.kill('SIGTERM');
    const text = await res.text();
    expect(text).toContain('[DONE]');
    const [code] = await closed;
    expect(code).toBe(0);
  });

  it.skipIf(redisServerBinary() === undefined)('SIGTERM with Redis down (killed, or frozen as in a partition) and streams in flight: they finish, then it exits 0', async () => {
    fakeD.scenario = () => ({ kind: 'answer', answer: { content: 'a fairly long streamed answer', chunkSize: 2 }, chunkDelayMs: 25 });
    for (const outage of ['killed', 'frozen'] as const) {
      const redis = await startRedis();
      try {
        const s = await startServe({
          REDIS_URL: redis.url,
          THINKGATE_REASONING_BASE_URL: fakeR.url, THINKGATE_REASONING_MODEL: 'r',
          THINKGATE_DIRECT_BASE_URL: fakeD.url, THINKGATE_DIRECT_MODEL: 'd',
        });
        const ask = (): Promise<Response> =>
          fetch(`${s.url}/v1/chat/completions`, {
            method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'thinkgate-direct', stream: true, temperature: 0, messages: [{ role: 'user', content: 'hi' }] }),
          });
        await (await ask()).text();
        if (outage === 'killed') await redis.stop();
        else redis.pause();
        const streams = await Promise.all([ask(), ask(), ask()]);
        const closed = once(s.child, 'close');
        const t0 = Date.now();
        s.child.kill('SIGTERM');
        for (const res of streams) expect(await res.text()).toContain('[DONE]');
        const [code] = await closed;
        expect(code).toBe(0);
        // Well within the 30 s grace period: closing the Redis clients does not wait on the outage.
        expect(Date.now() - t0).toBeLessThan(5_000);
      } finally {
        await redis.stop();
      }
    }
  }, 30_000);
});

