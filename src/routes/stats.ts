import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../context.js';
import type { RequestRecord } from '../chat/record.js';

/** Routed counts so far. The savings ledger replaces this with full accounting. */
export const statsRoute: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const counts = { reasoning: 0, direct: 0 };
  const startedAt = new Date().toISOString();
  ctx.observers.push((record: RequestRecord) => {
    counts[record.route]++;
  });
  app.get('/v1/stats', async () => ({ since: startedAt, requests: counts.reasoning + counts.direct, routes: { ...counts } }));
};
