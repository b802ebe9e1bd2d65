import Fastify, { LogController } from 'fastify';
import pino from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { lazyChildLoggerFactory } from '../../src/http/lazy-child-logger.js';

/** request.log made on first use: the same lines as fastify's own child logger, and no child for a quiet request. */

function appWithLines(): { app: ReturnType<typeof Fastify>; lines: Record<string, unknown>[]; children: () => number } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  let made = 0;
  const onChild = (): void => {
    made++;
  };
  const logger = pino({ level: 'info', redact: { paths: ['secret.key'], censor: '[redacted]' }, onChild }, sink);
  const app = Fastify({ loggerInstance: logger, logController: new LogController({ disableRequestLogging: true }), childLoggerFactory: lazyChildLoggerFactory });
  app.get('/quiet', async () => ({ ok: true }));
  app.get('/talks', async (request) => {
    request.log.info({ secret: { key: 'sk-live-123' }, n: 1 }, 'hello');
    request.log.child({ step: 'inner' }).warn('nested');
    return { ok: true };
  });
  app.get('/fails', { logLevel: 'error' }, async (request) => {
    request.log.info('not at this route level');
    request.log.error('at this route level');
    throw new Error('boom');
  });
  return { app, lines, children: () => made };
}

describe('lazy request logger', () => {
  it('makes no child logger for a request that logs nothing', async () => {
    const { app, children } = appWithLines();
    const before = children();
    for (let i = 0; i < 5; i++) expect((await app.inject({ url: '/quiet' })).statusCode).toBe(200);
    expect(children()).toBe(before);
    // The counter does count: a request that logs makes its child.
    await app.inject({ url: '/talks' });
    expect(children()).toBeGreaterThan(before);
    await app.close();
  });

  it('writes what fastify’s child logger writes: request id binding, redaction, nested children', async () => {
    const { app, lines } = appWithLines();
    const res = await app.inject({ url: '/talks' });
    expect(res.statusCode).toBe(200);
    const hello = lines.find((l) => l.msg === 'hello');
    expect(hello).toMatchObject({ level: 30, reqId: expect.any(String), n: 1, secret: { key: '[redacted]' } });
    expect(lines.find((l) => l.msg === 'nested')).toMatchObject({ level: 40, reqId: hello?.reqId, step: 'inner' });
    await app.close();
  });

  it('keeps a route’s own log level (passed as child options)', async () => {
    const { app, lines } = appWithLines();
    expect((await app.inject({ url: '/fails' })).statusCode).toBe(500);
    expect(lines.some((l) => l.msg === 'not at this route level')).toBe(false);
    expect(lines.find((l) => l.msg === 'at this route level')).toMatchObject({ level: 50, reqId: expect.any(String) });
    await app.close();
  });
});
