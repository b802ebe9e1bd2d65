import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../context.js';
import type { UpstreamClient } from '../upstream/client.js';
import { breakerStates } from '../upstream/breaker.js';

const PROBE_TIMEOUT_MS = 2_000;
/** Readiness probes come every few seconds from every orchestrator: answer from a short-lived result. */
const PROBE_TTL_MS = 5_000;

interface Probe {
  reachable: boolean;
  status?: number;
  error?: string;
}

/** Any HTTP answer proves the upstream is there (a 401 or 404 on /models included). */
async function probe(client: UpstreamClient): Promise<Probe> {
  try {
    const res = await client.request({ method: 'GET', path: `${client.basePath}/models`, headers: {}, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    res.body.resume();
    return { reachable: res.statusCode < 500, status: res.statusCode };
  } catch (err) {
    return { reachable: false, error: err instanceof Error ? err.message : 'unreachable' };
  }
}

/** `GET /healthz` (liveness, no auth) and `GET /readyz` (upstreams configured and reachable). */
export const healthRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  let cached: { at: number; body: Record<string, unknown>; ok: boolean } | null = null;

  app.get('/healthz', async () => ({ status: 'ok', mode: ctx.mode }));

  app.get('/readyz', async (_request, reply) => {
    if (cached === null || Date.now() - cached.at > PROBE_TTL_MS) {
      const [reasoning, direct] = await Promise.all([probe(ctx.upstreams.reasoning), probe(ctx.upstreams.direct)]);
      const ok = reasoning.reachable && direct.reachable;
      cached = { at: Date.now(), ok, body: { status: ok ? 'ready' : 'unavailable', mode: ctx.mode, upstreams: { reasoning, direct } } };
    }
    // Breaker state is live (never cached): it is what decides where the next request goes.
    // An open breaker does not make the instance unready: fallback may still serve, and restarting would not help.
    return reply.code(cached.ok ? 200 : 503).send({ ...cached.body, breakers: breakerStates(ctx.upstreams) });
  });
};
