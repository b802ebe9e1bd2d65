import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { BENCH_COMPLETION, BENCH_USAGE } from './lib/completion.js';

/**
 * The benchmark's fake upstream: a bare node:http server answering every chat completion instantly with a fixed
 * JSON body, or a short SSE stream. Bodies are serialised once at start-up, so the ceiling is node's HTTP stack.
 * `--chunk-delay-ms` makes streams slow (the 1,000-open-streams RSS scenario).
 *
 *   node dist/bench/upstream.js [--port 0] [--chunks 8] [--chunk-delay-ms 0]
 * Prints `{"port":N}` on stdout once listening.
 */

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    chunks: { type: 'string', default: '8' },
    'chunk-delay-ms': { type: 'string', default: '0' },
  },
});
const chunkCount = Number(values.chunks);
const chunkDelayMs = Number(values['chunk-delay-ms']);

const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'bench-model' };
const COMPLETION_JSON = JSON.stringify(BENCH_COMPLETION);
const event = (payload: unknown): string => `data: ${JSON.stringify(payload)}\n\n`;
const streamEvents: string[] = [event({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })];
for (let i = 0; i < chunkCount; i++) streamEvents.push(event({ ...base, choices: [{ index: 0, delta: { content: `word${i} ` }, finish_reason: null }] }));
streamEvents.push(event({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
streamEvents.push(event({ ...base, choices: [], usage: BENCH_USAGE }));
streamEvents.push('data: [DONE]\n\n');
const wholeStream = streamEvents.join('');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function slowStream(res: ServerResponse): Promise<void> {
  for (const e of streamEvents) {
    if (res.destroyed) return;
    res.write(e);
    await sleep(chunkDelayMs);
  }
  res.end();
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"object":"list","data":[{"id":"bench-model","object":"model","created":0,"owned_by":"bench"}]}');
      return;
    }
    // A substring test, not JSON.parse: the ceiling should cost as little as an upstream possibly can.
    const stream = /"stream"\s*:\s*true/.test(body);
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(COMPLETION_JSON) });
      res.end(COMPLETION_JSON);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if (chunkDelayMs > 0) void slowStream(res);
    else res.end(wholeStream);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
