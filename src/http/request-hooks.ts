import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.js';
import { staticHeaderBlock } from './security.js';

/**
 * The gateway's one root onRequest hook, for every request: the request id and the fixed security headers on the
 * reply (the in-flight gauge reads the load-shedding limiter's count: no listener of its own). perf: one callback hook instead of three (each
 * hook is a step of fastify's hook runner), and the fixed headers as a list computed once at start-up. On the way
 * in, not in onSend: with no onSend hook fastify skips its onSend chain for every reply, error replies included.
 * Headers go on fastify's reply, not the raw response: headers already on the raw response send every other header
 * through node's slower `setHeader` path at writeHead. A route's own `reply.header` set later still wins (the
 * dashboard's CSP); streams copy them with `reply.getHeaders()`.
 */
export function installRequestHooks(app: FastifyInstance, config: Config): void {
  const fixed = staticHeaderBlock(config);
  const count = fixed.length;
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    reply.header('x-request-id', request.id);
    for (let i = 0; i < count; i++) {
      const header = fixed[i] as readonly [string, string];
      reply.header(header[0], header[1]);
    }
    done();
  });
}
