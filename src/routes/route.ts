import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../context.js';
import { validateChatRequest } from '../apis/chat/validate.js';
import { decideRoute } from '../routing/decide.js';
import { withSession } from '../routing/session.js';

/** `POST /v1/route`: dry run. The decision, score and reasons for a chat request; no upstream call. */
export const routeRoute: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  app.post('/v1/route', async (request) => {
    const chat = validateChatRequest(request.body);
    const header = request.headers['x-thinkgate-route'];
    const gated = decideRoute(chat, typeof header === 'string' ? header : undefined, ctx.config.routing, ctx.gate, ctx.tiers);
    // A dry run: the session's state is read to show its effect, never written.
    const decision = await withSession(gated, ctx.config.gate.session, ctx.sessions, request, chat, false);
    const upstream = ctx.upstreams[decision.route];
    return {
      route: decision.route,
      score: decision.score,
      need: decision.need ?? decision.score,
      difficulty: decision.difficulty ?? null,
      threshold: ctx.controller.effectiveThreshold(),
      reasons: decision.reasons,
      source: decision.source,
      effort: decision.effort ?? null,
      gate: ctx.gate.name,
      upstream_model: upstream.model,
      session: decision.session ?? null,
    };
  });
};
