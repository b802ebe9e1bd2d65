import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startGateway, type TestGateway } from '../support/gateway.js';

const MiB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface RawExchange {
  /** Bytes of the body written before the first byte of the answer arrived. */
  writtenBeforeAnswer: number;
  /** A write failed (EPIPE / ECONNRESET): the client never got to read the answer. */
  writeError: string | null;
  statusLine: string;
  connectionClose: boolean;
}

/**
 * A client that behaves like fetch: it writes the whole declared body (slowly, in pieces) before it reads the
 * answer, and records when the answer came and whether the connection was cut under it.
 */
async function uploadThenRead(url: string, path: string, total: number, piece = 128 * 1024, pauseMs = 5): Promise<RawExchange> {
  const { port } = new URL(url);
  const sock = connect(Number(port), '127.0.0.1');
  let received = '';
  let written = 0;
  let writtenBeforeAnswer = -1;
  let writeError: string | null = null;
  sock.on('data', (d: Buffer) => {
    if (writtenBeforeAnswer === -1) writtenBeforeAnswer = written;
    received += d.toString('utf8');
  });
  sock.on('error', (e) => (writeError = e.message));
  const ended = new Promise<void>((r) => sock.once('close', () => r()));
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.write(`POST ${path} HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\ncontent-length: ${total}\r\n\r\n`);
  const chunk = Buffer.alloc(piece, 0x78);
  while (written < total && writeError === null) {
    const n = Math.min(piece, total - written);
    sock.write(n === piece ? chunk : chunk.subarray(0, n));
    written += n;
    await sleep(pauseMs);
  }
  await Promise.race([ended, sleep(5_000)]);
  sock.destroy();
  const head = received.split('\r\n\r\n')[0] ?? '';
  return { writtenBeforeAnswer, writeError, statusLine: head.split('\r\n')[0] ?? '', connectionClose: /\r\nconnection: close/i.test(head) };
}

/** A request body of `count` pieces of `pieceBytes` 'x' bytes, streamed with a pause between them (fetch sends it chunked). */
function chunkedBody(pieceBytes: number, count: number): ReadableStream<Uint8Array> {
  const piece = new Uint8Array(pieceBytes).fill(0x78);
  return new ReadableStream<Uint8Array>({
    async start(c) {
      for (let i = 0; i < count; i++) {
        c.enqueue(piece);
        await sleep(2);
      }
      c.close();
    },
  });
}

describe('over-limit bodies get a 413 the client can read', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(() => ({
      server: { port: 0, host: '127.0.0.1', bodyLimitBytes: 256 * 1024, passthroughBodyLimitBytes: 2 * MiB },
    }));
  });
  afterAll(() => gw.close());

  it.each(['/v1/chat/completions', '/v1/route', '/v1/responses', '/v1/embeddings'])('%s: the answer comes after the whole body was read, then the connection closes', async (path) => {
    const before = gw.direct.requests.length + gw.reasoning.requests.length;
    const total = 4 * MiB;
    const out = await uploadThenRead(gw.url, path, total);
    expect(out.writeError).toBeNull();
    expect(out.statusLine).toBe('HTTP/1.1 413 Payload Too Large');
    expect(out.writtenBeforeAnswer).toBe(total);
    expect(out.connectionClose).toBe(true);
    expect(gw.direct.requests.length + gw.reasoning.requests.length).toBe(before);
  });

  it('through the official SDK (undici fetch): a 20 MB chat body is a 413 APIError, sent once', async () => {
    const sdk = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk', maxRetries: 2, timeout: 30_000 });
    const err = await sdk.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'x'.repeat(20 * MiB) }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err).not.toBeInstanceOf(OpenAI.APIConnectionError);
    const e = err as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBe(413);
    expect(e.code).toBe('request_too_large');
    expect(e.message).toContain(`accepts up to ${256 * 1024} bytes (server.bodyLimitBytes)`);
  });

  it('the pass-through has its own limit: a body over it is a 413 and never reaches the upstream', async () => {
    const before = gw.direct.requests.length;
    const sdk = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk', maxRetries: 0, timeout: 30_000 });
    const err = await sdk.embeddings.create({ model: 'm', input: 'x'.repeat(3 * MiB) }).catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain(String(2 * MiB));
    expect(gw.direct.requests.length).toBe(before);
    // Under the limit (larger than the chat route's), the pass-through still streams the body upstream.
    const ok = await fetch(`${gw.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'y'.repeat(MiB) }) });
    expect(ok.status).toBe(200);
    expect(gw.direct.requests.at(-1)?.rawBody.length).toBeGreaterThan(MiB);
  });

  it('a chunked chat body (no content-length) over the limit: the rest is read, then the 413', async () => {
    const body = chunkedBody(64 * 1024, 16);
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
  });

  it('a chunked pass-through body (no content-length) is counted as it streams: over the limit it is a 413', async () => {
    const body = chunkedBody(256 * 1024, 16);
    const res = await fetch(`${gw.url}/v1/files`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
  });
});

describe('the drain is bounded', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(() => ({
      server: { port: 0, host: '127.0.0.1', bodyLimitBytes: 64 * 1024, oversizedBodyDrain: { maxBytes: 512 * 1024, maxMs: 10_000 } },
    }));
  });
  afterAll(() => gw.close());

  it('past maxBytes the 413 goes out without waiting for the rest', async () => {
    const out = await uploadThenRead(gw.url, '/v1/chat/completions', 8 * MiB, 64 * 1024, 10);
    expect(out.statusLine).toBe('HTTP/1.1 413 Payload Too Large');
    expect(out.writtenBeforeAnswer).toBeGreaterThan(0);
    expect(out.writtenBeforeAnswer).toBeLessThan(2 * MiB);
  });
});
