import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/stats.js';
import type { CommandIO } from '../../src/cli/io.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

function io(): CommandIO & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdin: new PassThrough(), stdout, stderr, out: () => out, err: () => err } as unknown as CommandIO & { out: () => string; err: () => string };
}

describe('thinkgate stats', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(() => ({
      auth: { apiKeys: ['sk-cli'], adminKeys: ['sk-cli-admin'] },
      pricing: { 'fake-chat': { input: 1, output: 2 }, 'fake-reasoner': { input: 4, output: 8 } },
    }));
    await gw.client('sk-cli').chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'a' }] });
    await gw.client('sk-cli').chat.completions.create({ model: 'thinkgate-reasoning', messages: [{ role: 'user', content: 'b' }] });
  });
  afterAll(() => gw.close());

  it('prints the totals as a table', async () => {
    const t = io();
    expect(await run(['--url', gw.url, '--key', 'sk-cli-admin'], t, {})).toBe(0);
    const out = t.out();
    expect(out).toContain('tenant all');
    // route table: direct 50 000 nano, reasoning 200 000 nano; saved 630 000 nano on the direct answer.
    expect(out).toMatch(/^direct\s+1\s+0\s+0\s+0\s+0\s+30\s+0\s+\$0\.000050\s+\$0\.000680\s+\$0\.000630\s+60\s/m);
    expect(out).toMatch(/^reasoning\s+1\s+0\s+0\s+0\s+0\s+30\s+12\s+\$0\.000200\s+\$0\.000200\s+\$0\.000000\s+0\s/m);
    expect(out).toMatch(/^total\s+2\s+0\s+0\s+0\s+0\s+60\s+12\s+\$0\.000250\s+\$0\.000880\s+\$0\.000630\s+60\s/m);
    expect(out).toContain('saved $0.000630 (71.6% of always-reasoning)');
    expect(out).toContain('* estimate, not a measurement');
  });

  it('fails clearly without a key, on a bad window, and without --url', async () => {
    const a = io();
    expect(await run(['--url', gw.url], a, {})).toBe(1);
    expect(a.err()).toContain('answered 401');
    expect(a.err()).toContain('with --key KEY or THINKGATE_KEY');
    const b = io();
    expect(await run(['--url', gw.url, '--window', 'week'], b, { THINKGATE_KEY: 'sk-cli' })).toBe(2);
    expect(b.err()).toContain('--window must be one of hour, day, got "week"');
    const c = io();
    expect(await run(['--url', gw.url, '--bogus'], c, {})).toBe(2);
    expect(c.err()).toContain("Unknown option '--bogus'");
    const d = io();
    expect(await run(['--url', 'http://127.0.0.1:1'], d, {})).toBe(1);
    expect(d.err()).toContain('cannot read stats from http://127.0.0.1:1: fetch failed (bad port: fetch refuses the ports the Fetch standard blocks');
    // A port nobody listens on: taken from the system, then freed.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const e = io();
    expect(await run(['--url', `http://127.0.0.1:${port}`], e, {})).toBe(1);
    expect(e.err()).toContain(`cannot read stats from http://127.0.0.1:${port}: fetch failed (ECONNREFUSED: is the gateway running there?)`);
  });

  it('a --url (or THINKGATE_URL) that is not an http(s) URL is a bad argument (exit 2) that shows the expected form', async () => {
    for (const [args, env, given] of [
      [['--url', 'localhost:8080'], {}, 'localhost:8080'],
      [['--url', 'ftp://127.0.0.1:8080'], {}, 'ftp://127.0.0.1:8080'],
      [[], { THINKGATE_URL: '127.0.0.1:8080' }, '127.0.0.1:8080'],
    ] as const) {
      const t = io();
      expect(await run([...args, '--key', 'sk-cli'], t, env)).toBe(2);
      expect(t.err()).toContain(`thinkgate stats: --url (or THINKGATE_URL) must be an http:// or https:// URL such as http://127.0.0.1:8080, got "${given}"`);
    }
  });
});
