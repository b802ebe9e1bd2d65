import type { FastifyRequest } from 'fastify';
import type { CanonicalRequest } from '../core/conversation.js';
import { badRequest } from '../errors.js';
import { SESSION_HEADER, sessionOpeningOf, validateSessionHeader, type SessionEffort, type SessionOpening } from '../gate/session.js';
import { resolveSession, type SessionResult, type SessionStore } from '../gate/session-store.js';
import type { SessionPolicy } from '../gate/session.js';
import { routeDecision, type RouteDecision, type SessionInfo } from './decide.js';

/**
 * Session affinity on top of the gate's decision: within one conversation the route may move up (direct →
 * reasoning) but not back (`up-only`), or holds (`sticky`); see src/gate/session.ts. Only the gate's own decisions
 * are touched: a route header, model alias or `reasoning_effort` from the client decides on its own.
 * Throws a 400 for a malformed `x-thinkgate-session` header.
 */
export function withSession(
  decision: RouteDecision,
  policy: SessionPolicy,
  store: SessionStore | undefined,
  request: FastifyRequest,
  chat: CanonicalRequest,
  /** false for a dry run (`/v1/route`): the session is read, never written. */
  write = true,
  /** The body's part of the session when already known (remembered with a prepared request). */
  opening?: SessionOpening,
): RouteDecision | Promise<RouteDecision> {
  const raw = request.headers[SESSION_HEADER];
  const header = typeof raw === 'string' ? raw : undefined;
  if (header !== undefined) {
    const problem = validateSessionHeader(header);
    if (problem !== undefined) throw badRequest(problem, SESSION_HEADER, 'invalid_session');
  }
  if (decision.source !== 'gate' || policy === 'off' || store === undefined) return decision;
  const effort: SessionEffort | undefined = decision.effort === 'low' || decision.effort === 'high' ? decision.effort : undefined;
  const result = resolveSession(
    policy,
    store,
    {
      header,
      prompt_cache_key: chat['prompt_cache_key'],
      user: chat['user'],
      safety_identifier: chat['safety_identifier'],
      messages: chat.messages,
      tenant: request.tenant,
    },
    { route: decision.route, effort, closing: decision.reasons.includes('closing_thanks') },
    write,
    opening,
  );
  return result instanceof Promise ? result.then((r) => applied(decision, r)) : applied(decision, result);
}

/**
 * The body's part of a request's session (see SessionOpening), when session affinity can apply to the decision;
 * undefined otherwise (policy off, or the client chose the route). Computed once per distinct body: the pipeline
 * remembers it with the prepared request.
 */
export function sessionOpening(decision: RouteDecision, store: SessionStore | undefined, chat: CanonicalRequest): SessionOpening | undefined {
  if (decision.source !== 'gate' || store === undefined) return undefined;
  return sessionOpeningOf({ prompt_cache_key: chat['prompt_cache_key'], user: chat['user'], safety_identifier: chat['safety_identifier'], messages: chat.messages });
}

function applied(decision: RouteDecision, result: SessionResult): RouteDecision {
  const session: SessionInfo = { policy: result.policy, effect: result.effect, key: result.keySource, turns: result.state?.turns, gateRoute: decision.route };
  const moved = result.route !== decision.route || (result.effort ?? decision.effort) !== decision.effort;
  const route = moved ? result.route : decision.route;
  const effort = moved ? (result.route === 'reasoning' ? (result.effort ?? decision.effort) : undefined) : decision.effort;
  // perf: one literal with every field, not a spread (the decision is read on every request that follows).
  return routeDecision(route, decision.source, decision.score, decision.need, decision.difficulty, decision.reasons, effort, session);
}
