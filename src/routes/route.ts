import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../context.js';
import { validateChatRequest } from '../apis/chat/validate.js';
import { isRecord } from '../core/types.js';
import { GatewayError } from '../errors.js';
import { decideRoute } from '../routing/decide.js';
import { withSession } from '../routing/session.js';

/**
 * `POST /v1/route`: dry run. The decision, score and reasons for a chat request; no upstream call. Takes a Chat
 * Completions body only; a Responses API body (`input`, no `messages`) is a 400 that says so.
 */
export const routeRoute: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  app.post('/v1/route', async (request) => {
    const body = request.body;
    // A Responses API body would otherwise get "Missing required parameter: 'messages'", which reads as a typo.
    if (isRecord(body) && body.messages === undefined && body.input !== undefined) {
      throw new GatewayError(
        400,
        "Missing required parameter: 'messages'. POST /v1/route takes a Chat Completions body; this one has the Responses API's 'input': send the conversation as 'messages'.",
        { param: 'messages', code: 'missing_required_parameter' },
      );
    }
    const chat = validateChatRequest(body);
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
