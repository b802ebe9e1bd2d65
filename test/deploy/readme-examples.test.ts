import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';

/**
 * The README's TypeScript examples, run as written (only the gateway's address changed) with the packages they
 * import, against a gateway in front of the fake upstreams: an example that no longer compiles against the SDK's
 * API or no longer works against the gateway fails here instead of for the first reader who copies it.
 */

const README = readFileSync('README.md', 'utf8');
/** Every ```ts block of the README, in order. */
const SNIPPETS = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
// Inside the repository, so `openai` and `@openai/agents` resolve from its node_modules; test-output/ is ignored by git.
const DIR = resolve('test-output/readme-examples');

function runSnippet(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  const child = spawn(process.execPath, ['--import', 'tsx', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

describe('the README TypeScript examples run as written', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
    mkdirSync(DIR, { recursive: true });
  });
  afterAll(() => gw.close());
  /** Requests the gateway served through POST /v1/responses so far (its own /v1/stats, by wire API). */
  const responsesRequests = async (): Promise<number> => {
    const stats = (await (await fetch(`${gw.url}/v1/stats`)).json()) as { byApi: Record<string, { requests: number } | undefined> };
    return stats.byApi.responses?.requests ?? 0;
  };

  it('finds the examples: chat completions with the OpenAI SDK, and the Agents SDK', () => {
    expect(SNIPPETS.length).toBeGreaterThanOrEqual(2);
    for (const code of SNIPPETS) expect(code).toContain("'http://localhost:8080/v1'");
  });

  it.each(SNIPPETS.map((code, i) => [i + 1, code] as const))('example %i exits 0 and prints the gateway\'s answers', async (n, code) => {
    const before = gw.reasoning.requests.length + gw.direct.requests.length;
    const responsesBefore = await responsesRequests();
    const file = join(DIR, `example-${n}.ts`);
    writeFileSync(file, code.replaceAll("'http://localhost:8080/v1'", `'${gw.url}/v1'`));
    const result = await runSnippet(file);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // The fake upstreams answer "echo: <last user message>"; every example prints at least one answer.
    expect(result.stdout).toContain('echo: ');
    expect(gw.reasoning.requests.length + gw.direct.requests.length).toBeGreaterThan(before);
    // The chat example prints the route header before the first answer.
    if (code.includes("headers.get('x-thinkgate-route')")) expect(result.stdout).toMatch(/^(reasoning|direct) echo: /);
    // The Agents SDK example sits under "Responses API and coding agents": it must go through POST /v1/responses.
    if (code.includes("from '@openai/agents'")) expect(await responsesRequests()).toBeGreaterThan(responsesBefore);
  }, 60_000);
});
