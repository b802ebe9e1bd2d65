import Fastify from 'fastify';
import { parseArgs } from 'node:util';
import { BENCH_COMPLETION } from './lib/completion.js';

/**
 * The cache-hit ceiling: a bare fastify route that parses the same POST body and answers the same completion JSON,
 * with nothing in between (no auth, no validation, no lookup).
 *
 *   node dist/bench/bare-fastify.js [--port 0]      prints `{"port":N}` once listening
 */

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });

const app = Fastify({ logger: false });
app.post('/v1/chat/completions', async () => BENCH_COMPLETION);
app.get('/healthz', async () => ({ status: 'ok' }));
const address = await app.listen({ port: Number(values.port), host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port) })}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
