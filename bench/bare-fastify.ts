import Fastify from 'fastify';
import { parseArgs } from 'node:util';

/**
 * The cache-hit ceiling: a bare fastify route that parses the same POST body and answers the same completion JSON,
 * with nothing in between (no auth, no validation, no lookup).
 *
 *   node dist/bench/bare-fastify.js [--port 0]      prints `{"port":N}` once listening
 */

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });

const completion = {
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'The answer is 42. It is a fixed answer.' }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
};

const app = Fastify({ logger: false });
app.post('/v1/chat/completions', async () => completion);
app.get('/healthz', async () => ({ status: 'ok' }));
const address = await app.listen({ port: Number(values.port), host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port) })}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
