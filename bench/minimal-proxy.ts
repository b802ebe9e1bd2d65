import Fastify from 'fastify';
import { Pool } from 'undici';
import { parseArgs } from 'node:util';

/**
 * The floor of the required stack for a proxy: fastify parses the client's JSON, the body is re-serialised with
 * the upstream's model (what any routing proxy must do), undici sends it on a keep-alive pool, and the upstream's
 * JSON text goes back as is. No validation, gate, cache, accounting, log line or security headers: what is left
 * is the HTTP work that thinkgate cannot avoid, so `minimal-proxy ÷ direct` is the best ratio this stack can reach.
 *
 *   node dist/bench/minimal-proxy.js --upstream http://127.0.0.1:PORT [--port 0]    prints `{"port":N}`
 */

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' }, key: { type: 'string', default: '' } } });
if (values.upstream === undefined) throw new Error('--upstream is required');
const pool = new Pool(values.upstream, { connections: 128, keepAliveTimeout: 30_000 });
const headers = { 'content-type': 'application/json', authorization: `Bearer ${values.key}` };

const app = Fastify({ logger: false });
app.post('/v1/chat/completions', async (request, reply) => {
  const body = JSON.stringify({ ...(request.body as Record<string, unknown>), model: 'bench-model' });
  const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers, body });
  const text = await res.body.text();
  return reply.code(res.statusCode).header('content-type', 'application/json').send(text);
});
const address = await app.listen({ port: Number(values.port), host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port) })}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => pool.close()).then(() => process.exit(0));
});
