import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import type { Config } from '../config/schema.js';

/**
 * Response hardening for a JSON/SSE API: helmet with what fits an API (no document to protect, so CSP denies
 * everything and the browser-page headers are off), plus CORS — off unless `cors.origins` lists origins.
 * `@fastify/cors` is not a dependency; the subset an API needs (allow-listed origins, preflight) is small.
 */

const ALLOWED_METHODS = 'GET, POST, DELETE, OPTIONS';
const ALLOWED_HEADERS = 'authorization, api-key, content-type, x-request-id, x-thinkgate-route, openai-organization, openai-project';
const EXPOSED_HEADERS =
  'x-request-id, x-thinkgate-route, x-thinkgate-score, x-thinkgate-cache, x-thinkgate-upstream-model, x-thinkgate-fallback, retry-after';

export async function installSecurityHeaders(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(helmet, {
    // An API serves no HTML: nothing may load, nothing may frame it.
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginEmbedderPolicy: false,
    // With CORS on, browsers on the allowed origins must be able to read responses.
    crossOriginResourcePolicy: config.cors.origins.length > 0 ? { policy: 'cross-origin' } : { policy: 'same-origin' },
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
  });
  if (config.cors.origins.length > 0) installCors(app, config.cors.origins);
}

/** Allow-listed origins only (`*` allows any, without credentials). Preflights are answered before auth. */
function installCors(app: FastifyInstance, origins: readonly string[]): void {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (typeof origin !== 'string') return;
    reply.header('vary', 'Origin');
    if (!any && !allowed.has(origin)) return;
    reply.header('access-control-allow-origin', any ? '*' : origin);
    reply.header('access-control-expose-headers', EXPOSED_HEADERS);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      reply.header('access-control-allow-methods', ALLOWED_METHODS);
      reply.header('access-control-allow-headers', ALLOWED_HEADERS);
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    }
  });
}
