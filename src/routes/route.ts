import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../context.js';
import { validateChatRequest } from '../apis/chat/validate.js';
import { decideRoute } from '../routing/decide.js';

/** `POST /v1/route`: dry run. The decision, score and reasons for a chat request; no upstream call. */
export const routeRoute: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  app.post('/v1/route', async (request) => {
    const chat = validateChatRequest(request.body);
    const header = request.headers['x-thinkgate-route'];
    const decision = decideRoute(chat, typeof header === 'string' ? header : undefined, ctx.config.routing, ctx.gate, ctx.tiers);
    const upstream = ctx.upstreams[decision.route];
    return {
      route: decision.route,
      score: decision.score,
      threshold: ctx.controller.effectiveThreshold(),
      reasons: decision.reasons,
      source: decision.source,
      effort: decision.effort ?? null,
      gate: ctx.gate.name,
      upstream_model: upstream.model,
    };
  });
};
