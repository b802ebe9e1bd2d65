import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';
import { bearerToken } from '../http/auth.js';

/**
 * `GET /metrics` in the Prometheus text format. When admin keys are configured it takes an admin key, unless
 * `metrics.public` is set (scrapers on a private network); client keys never read it.
 */
export const metricsRoute: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const { registry } = ctx.savings.metrics;
  app.get('/metrics', async (request, reply) => {
    if (!ctx.config.metrics.public && ctx.keys.hasAdminKeys) {
      const key = bearerToken(request);
      const kind = ctx.keys.classify(key);
      if (kind === null) {
        throw new GatewayError(401, key === undefined ? 'Metrics need an admin key: Authorization: Bearer ADMIN_KEY.' : 'Incorrect API key provided.', {
          code: key === undefined ? 'missing_api_key' : 'invalid_api_key',
        });
      }
      if (kind !== 'admin') throw new GatewayError(403, 'Metrics need an admin key.', { code: 'admin_key_required' });
    }
    const body = await registry.metrics();
    return reply.header('content-type', registry.contentType).header('cache-control', 'no-store').send(body);
  });
};
