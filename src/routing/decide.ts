import type { CanonicalRequest, ReasoningEffort } from '../core/conversation.js';
import type { Config } from '../config/schema.js';
import { badRequest } from '../errors.js';
import type { Gate, Route } from '../gate/types.js';
import { tierForScore, type TiersConfig } from '../gate/tiers.js';
import type { SessionEffect, SessionKeySource, SessionPolicy } from '../gate/session.js';

export type DecisionSource = 'header' | 'model' | 'effort' | 'gate';

/** The routing decision: made once per request and carried along, never recomputed downstream. */
export interface RouteDecision {
  route: Route;
  source: DecisionSource;
  /** The gate's score, computed even when an override decides (for headers, stats and tuning). */
  score: number;
  /** The gate's need to reason before its difficulty fold (what the threshold controller tracks). */
  need?: number | undefined;
  /** The gate's difficulty within the prompt's domain, 0..1. */
  difficulty?: number | undefined;
  reasons: string[];
  /** Effort to request from a reasoning upstream, when the client or the gate's tier named one. */
  effort?: ReasoningEffort | undefined;
  /** What session affinity did to the gate's decision (absent: no session applied). */
  session?: SessionInfo | undefined;
}

/** Session affinity's part in a decision, for `/v1/route`, the log line and the record. */
export interface SessionInfo {
  policy: SessionPolicy;
  effect: SessionEffect;
  /** Where the session key came from (`header`, `prompt_cache_key`, `user`, `safety_identifier`, `conversation`). */
  key?: SessionKeySource | undefined;
  /** Requests seen in the session, this one included. */
  turns?: number | undefined;
  /** The route the gate chose on its own, before the session. */
  gateRoute: Route;
}

type RouteChoice = Route | 'auto';

/**
 * A decision with every field present, in one order: decisions are read on every request after they are made, and
 * objects of one shape keep those reads monomorphic (perf; spreads gave each precedence branch its own shape).
 */
export function routeDecision(
  route: Route,
  source: DecisionSource,
  score: number,
  need: number | undefined,
  difficulty: number | undefined,
  reasons: string[],
  effort: ReasoningEffort | undefined,
  session: SessionInfo | undefined,
): RouteDecision {
  return { route, source, score, need, difficulty, reasons, effort, session };
}

const ROUTE_HEADER_VALUES: ReadonlySet<string> = new Set(['reasoning', 'direct', 'auto']);
const DIRECT_EFFORTS: ReadonlySet<string> = new Set(['none', 'minimal']);

/** The client's `reasoning_effort` as sent to a reasoning upstream: `none` / `minimal` ask for no thinking at all. */
export function reasoningEffortToPass(request: CanonicalRequest): ReasoningEffort | undefined {
  const effort = request.reasoning_effort ?? undefined;
  return effort !== undefined && !DIRECT_EFFORTS.has(effort) ? effort : undefined;
}

/**
 * Precedence: header `x-thinkgate-route` > `model` alias > `reasoning_effort` (unless `routing.clientEffort` is
 * `hint`) > the gate.
 * A `model` that is no alias counts as `auto` unless `routing.modelMap` maps it, so hard-coded model names still work.
 */
export function decideRoute(
  request: CanonicalRequest,
  headerRoute: string | undefined,
  routing: Config['routing'],
  gate: Gate,
  /** Graded tiers (`gate.tiers`): the gate's score picks direct, reasoning-low or reasoning-high. */
  tiers?: TiersConfig,
): RouteDecision {
  const gated = gate.score({ messages: request.messages, tools: request.tools });
  const effort = request.reasoning_effort ?? undefined;
  const passEffort = reasoningEffortToPass(request);
  const decided = (route: Route, source: DecisionSource, routeEffort: ReasoningEffort | undefined): RouteDecision =>
    routeDecision(route, source, gated.score, gated.need ?? gated.score, gated.difficulty, gated.reasons, routeEffort, undefined);

  if (headerRoute !== undefined && headerRoute !== '') {
    const value = headerRoute.trim().toLowerCase();
    if (!ROUTE_HEADER_VALUES.has(value)) {
      throw badRequest(`x-thinkgate-route must be one of reasoning, direct, auto; got "${headerRoute.slice(0, 40)}"`, 'x-thinkgate-route', 'invalid_route');
    }
    if (value !== 'auto') return decided(value as Route, 'header', value === 'reasoning' ? passEffort : undefined);
  }

  const model = request.model;
  const byModel: RouteChoice | undefined = model === undefined ? undefined : (routing.aliases[model] ?? routing.modelMap[model]);
  if (byModel !== undefined && byModel !== 'auto') {
    return decided(byModel, 'model', byModel === 'reasoning' ? passEffort : undefined);
  }

  // `hint`: the client's effort does not pick the route; it is what a reasoning route is asked for.
  const hint = routing.clientEffort === 'hint';
  if (effort !== undefined && !hint) {
    return DIRECT_EFFORTS.has(effort) ? decided('direct', 'effort', undefined) : decided('reasoning', 'effort', effort);
  }

  if (tiers !== undefined) {
    const tier = tierForScore(gated.score, tiers);
    return decided(tier.route, 'gate', tier.route === 'reasoning' && hint && effort !== undefined ? passEffort : tier.effort);
  }
  return decided(gated.route, 'gate', gated.route === 'reasoning' && hint ? passEffort : undefined);
}
