import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';
import { ThrottledWarning } from '../redis/client.js';
import type { Breakdown, Totals } from '../savings/aggregate.js';
import type { ExpansionEstimate } from '../savings/expansion.js';
import type { RecentRequest } from '../savings/store.js';
import type { ControllerState } from '../gate/controller.js';
import type { Series } from '../savings/series.js';

/** The `/v1/stats` body (also what `thinkgate stats` and the dashboard read). */
export interface StatsBody {
  object: 'thinkgate.stats';
  generatedAt: string;
  since: string;
  scope: { tenant: string; store: 'memory' | 'redis'; fleet: boolean };
  estimates: { fields: string[]; note: string; latencyPercentiles: string };
  requests: number;
  routes: Record<string, number>;
  totals: Totals;
  byRoute: Record<string, Totals>;
  byTenant: Record<string, Totals>;
  byModel: Record<string, Totals>;
  /** By wire API: `chat` (Chat Completions), `responses` (the Responses API). */
  byApi: Record<string, Totals>;
  windows: Record<string, Breakdown & { seconds: number }>;
  recent: RecentRequest[];
  gate: { kind: string; threshold: number; controller: ControllerState };
  expansion: { prior: number; minSamples: number; bands: ExpansionEstimate[] };
}

/** Which figures are estimates rather than measurements (the method: docs/savings.md). */
const ESTIMATED_FIELDS = ['alwaysReasoningCostUsd', 'savedCostUsd', 'savedTokens', 'savedReasoningTokens', 'savedLatencyMs'];

/**
 * `GET /v1/stats`: the ledger as JSON. An admin key (or a gateway without auth) sees every tenant; a client key
 * sees only its own tenant's totals and recent requests. With Redis configured the figures are the fleet's.
 */
export const statsRoute: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const since = new Date().toISOString();
  const { ledger, expansion } = ctx.savings;
  // Once per outage, not once per poll (a dashboard reads both endpoints every few seconds on every replica).
  const readFailed = new ThrottledWarning((fields, message) => app.log.warn(fields, message), 'stats read failed');
  const unavailable = (err: unknown): GatewayError => {
    readFailed.failed(err, { store: ledger.store.kind });
    return new GatewayError(503, `The stats store (${ledger.store.kind}) is unavailable; try again shortly.`, { code: 'stats_unavailable', quiet: true });
  };

  app.get('/v1/stats', async (request, reply): Promise<StatsBody> => {
    const tenant = request.isAdmin ? undefined : request.tenant;
    let snap;
    try {
      snap = await ledger.snapshot(tenant);
    } catch (err) {
      throw unavailable(err);
    }
    readFailed.reset();
    const c = snap.cumulative;
    reply.header('cache-control', 'no-store');
    return {
      object: 'thinkgate.stats',
      generatedAt: new Date().toISOString(),
      // With Redis, when the fleet's totals start (the same on every replica); else this replica's start.
      since: snap.since ?? since,
      scope: { tenant: tenant ?? 'all', store: ledger.store.kind, fleet: ledger.store.kind === 'redis' },
      estimates: {
        fields: ESTIMATED_FIELDS,
        note: 'Counterfactual figures (what always-reasoning would have cost) are estimates, not measurements. Method: docs/savings.md.',
        latencyPercentiles: 'upper edge of a histogram bucket',
      },
      requests: c.totals.requests,
      routes: Object.fromEntries(Object.entries(c.byRoute).map(([route, t]) => [route, t.requests])),
      totals: c.totals,
      byRoute: c.byRoute,
      byTenant: c.byTenant,
      byModel: c.byModel,
      byApi: c.byApi,
      windows: snap.windows,
      recent: snap.recent,
      gate: { kind: ctx.gate.name, threshold: ctx.controller.effectiveThreshold(), controller: ctx.controller.state() },
      expansion: { prior: ctx.config.savings.expansionPrior, minSamples: ctx.config.savings.minSamples, bands: expansion.snapshot() },
    };
  });

  const windowNames = ['all', ...Object.keys(ctx.config.savings.windows)];
  /**
   * `GET /v1/stats/series?window=all|hour|day`: running totals over time from the ledger's buckets (what the
   * dashboard charts), with the same tenant rules as `/v1/stats`. `all` is the finest series covering the whole
   * history (a window's minute slots while all traffic fits in it, else one point per day).
   */
  app.get<{ Querystring: { window?: string } }>('/v1/stats/series', async (request, reply): Promise<Series> => {
    const name = request.query.window ?? 'all';
    if (!windowNames.includes(name)) {
      throw new GatewayError(400, `Invalid 'window': expected one of ${windowNames.join(', ')}, got "${name}".`, { param: 'window', code: 'invalid_value' });
    }
    try {
      const series = await ledger.series(name, request.isAdmin ? undefined : request.tenant);
      reply.header('cache-control', 'no-store');
      return series;
    } catch (err) {
      throw unavailable(err);
    }
  });
};
