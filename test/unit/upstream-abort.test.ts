import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool, errors as undiciErrors } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadlineSweep, UpstreamAbort } from '../../src/upstream/abort.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('UpstreamAbort', () => {
  it('runs each listener once, in order, with the reason; removed listeners never run', () => {
    const call = new UpstreamAbort(Infinity, () => new Error('late'));
    const seen: string[] = [];
    const a = (): void => void seen.push('a');
    const b = (): void => void seen.push('b');
    const c = (): void => void seen.push('c');
    call.addEventListener('abort', a);
    call.addEventListener('abort', b);
    call.addEventListener('abort', c);
    call.removeEventListener('abort', b);
    call.addEventListener('other', () => seen.push('other'));
    const reason = new Error('why');
    call.abort(reason);
    call.abort(new Error('again'));
    expect(seen).toEqual(['a', 'c']);
    expect(call.aborted).toBe(true);
    expect(call.reason).toBe(reason);
    expect(call.clientGone).toBe(false);
  });

  it('says why it aborted: the client left, or the deadline passed (with the timeout error)', () => {
    const gone = new UpstreamAbort(Infinity, () => new Error('late'));
    gone.clientClosed();
    gone.expire();
    expect([gone.aborted, gone.clientGone, gone.timedOut, (gone.reason as Error).name]).toEqual([true, true, false, 'AbortError']);
    const late = new UpstreamAbort(0, () => new Error('late'));
    late.expire();
    late.clientClosed();
    expect([late.aborted, late.clientGone, late.timedOut, (late.reason as Error).message]).toEqual([true, false, true, 'late']);
  });
});

describe('DeadlineSweep', () => {
  it('aborts a call between its deadline and one tick after; released calls never; stops ticking when idle', async () => {
    const sweep = new DeadlineSweep(100, () => new Error('total time'));
    expect(sweep.tickMs).toBe(5);
    const startedAt = performance.now();
    const slow = sweep.start();
    const done = sweep.start();
    let abortedAt = 0;
    slow.addEventListener('abort', () => (abortedAt = performance.now()));
    sweep.release(done);
    expect(sweep.inFlight).toBe(1);
    await sleep(60);
    expect(slow.aborted).toBe(false);
    await sleep(150);
    expect(slow.timedOut).toBe(true);
    expect((slow.reason as Error).message).toBe('total time');
    expect(abortedAt - startedAt).toBeGreaterThanOrEqual(99);
    expect(done.aborted).toBe(false);
    expect(sweep.inFlight).toBe(0);
    sweep.close();
  });

  it('ticks at a twentieth of the limit, between 5 ms and 1 s', () => {
    expect(new DeadlineSweep(600_000, () => null).tickMs).toBe(1_000);
    expect(new DeadlineSweep(2_000, () => null).tickMs).toBe(100);
    expect(new DeadlineSweep(20, () => null).tickMs).toBe(5);
  });
});

describe('UpstreamAbort as undici’s signal', () => {
  let server: Server;
  let pool: Pool;
  beforeAll(async () => {
    // Answers headers at once and then never finishes the body, or never answers at all.
    server = createServer((req, res) => {
      if (req.url === '/headers') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('part');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    await pool.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('aborts a request waiting for headers: an AbortError when the client left, RequestAbortedError without a reason, the reason given', async () => {
    const gone = new UpstreamAbort(Infinity, () => null);
    const pending = pool.request({ method: 'GET', path: '/hang', signal: gone.signal });
    await sleep(50);
    gone.clientClosed();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });

    const bare = new UpstreamAbort(Infinity, () => null);
    const pendingBare = pool.request({ method: 'GET', path: '/hang', signal: bare.signal });
    await sleep(50);
    bare.abort();
    await expect(pendingBare).rejects.toBeInstanceOf(undiciErrors.RequestAbortedError);

    const late = new UpstreamAbort(0, () => new Error('upstream did not finish in time'));
    const pending2 = pool.request({ method: 'GET', path: '/hang', signal: late.signal });
    await sleep(50);
    late.expire();
    await expect(pending2).rejects.toThrow('upstream did not finish in time');
  });

  it('aborts a body being read, and a signal aborted before the request never sends it', async () => {
    const call = new UpstreamAbort(Infinity, () => null);
    const res = await pool.request({ method: 'GET', path: '/headers', signal: call.signal });
    const reading = res.body.text();
    call.clientClosed();
    await expect(reading).rejects.toThrow();

    const before = new UpstreamAbort(Infinity, () => null);
    before.clientClosed();
    await expect(pool.request({ method: 'GET', path: '/hang', signal: before.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
