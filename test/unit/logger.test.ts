import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/http/logger.js';

/** The batching logger loses nothing, splits nothing and keeps order, whatever the lines' sizes and scripts. */

const tempFile = (): string => join(mkdtempSync(join(tmpdir(), 'tg-logger-')), 'out.log');
const infoLog = { level: 'info', prompts: false } as Parameters<typeof createLogger>[0];

describe('process logger', () => {
  it('writes every line, in order, byte for byte: multi-byte text, batches of many lines, a line larger than a batch', async () => {
    const file = tempFile();
    const own = createLogger(infoLog, [], file);
    const expected: string[] = [];
    const write = (fields: Record<string, unknown>): void => {
      own.writeInfoLine(JSON.stringify(fields), 'chat request');
      expected.push(JSON.stringify(fields));
    };
    for (let i = 0; i < 3_000; i++) write({ i, text: i % 3 === 0 ? '证明 √2 是无理数 😀' : 'plain ascii line '.repeat(20) });
    write({ big: '长'.repeat(40_000) + '😀'.repeat(10_000) });
    for (let i = 0; i < 10; i++) write({ after: i });
    own.logger.info({ viaPino: true }, 'pino line');
    await own.close();

    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(expected.length + 1);
    expected.forEach((fields, i) => {
      const line = JSON.parse(lines[i]!) as Record<string, unknown>;
      const { level, time, pid, hostname, msg, ...rest } = line;
      expect({ level, pid, msg, hostnameType: typeof hostname, timeType: typeof time }).toEqual({ level: 30, pid: process.pid, msg: 'chat request', hostnameType: 'string', timeType: 'number' });
      expect(JSON.stringify(rest)).toBe(fields);
    });
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ viaPino: true, msg: 'pino line' });
  });

  it('close resolves with nothing written, and the file exists', async () => {
    const file = tempFile();
    const own = createLogger(infoLog, [], file);
    await own.close();
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it('flushes what is batched when the process exits', () => {
    const file = tempFile();
    const logger = pathToFileURL(resolve(import.meta.dirname, '../../dist/http/logger.js')).href;
    const script = `
      const { createLogger } = await import(${JSON.stringify(logger)});
      const own = createLogger({ level: 'info', prompts: false }, [], ${JSON.stringify(file)});
      await new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < 500; i++) own.writeInfoLine(JSON.stringify({ i }), 'chat request');
      process.exit(0);
    `;
    execFileSync(process.execPath, ['--input-type=module', '-e', script]);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { i: number }).i)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });
});
