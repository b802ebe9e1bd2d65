import Fastify from 'fastify';
import { parseArgs } from 'node:util';
import { BENCH_COMPLETION } from './lib/completion.js';

/**
 * The cache-hit ceiling: a bare fastify route that parses the same POST body and answers the same completion JSON,
 * with nothing in between (no auth, no validation, no lookup).
 *
 *   node dist/bench/bare-fastify.js [--port 0] [--touch-kb N] [--headers]      prints `{"port":N}` once listening
 *
 * Two knobs for experiments on what makes a bigger app's request dearer than this one's, on the same path:
 * `--touch-kb N` writes one byte in every 64-byte cache line of an N KB buffer per request (a stand-in for the
 * code and data a larger request path touches: it evicts what the kernel's socket path keeps in the caches), and
 * `--headers` adds the twelve response headers a thinkgate cache hit carries.
 */

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, 'touch-kb': { type: 'string', default: '0' }, headers: { type: 'boolean', default: false } } });
const touched = new Uint8Array(Number(values['touch-kb']) * 1024);
const HIT_HEADERS = {
  'x-request-id': 'bc97c4ac-7a17-4680-8b52-2b54ab39a2bd',
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'x-thinkgate-route': 'direct',
  'x-thinkgate-score': '0.1231',
  'x-thinkgate-difficulty': '0.1854',
  'x-thinkgate-upstream-model': 'bench-chat',
  'x-thinkgate-cache': 'hit',
  'x-thinkgate-cache-tier': 'direct',
};

const app = Fastify({ logger: false });
app.post('/v1/chat/completions', async (_request, reply) => {
  for (let i = 0; i < touched.length; i += 64) touched[i] = (touched[i] ?? 0) + 1;
  if (values.headers) reply.headers(HIT_HEADERS);
  return BENCH_COMPLETION;
});
app.get('/healthz', async () => ({ status: 'ok' }));
const address = await app.listen({ port: Number(values.port), host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port) })}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
