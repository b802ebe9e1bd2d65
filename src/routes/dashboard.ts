import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../context.js';
import { DASHBOARD_SCRIPT } from '../dashboard/client-script.js';
import { DASHBOARD_FAVICON, DASHBOARD_HTML } from '../dashboard/page.js';

/** Everything the page loads comes from here: the strictest policy that still lets uPlot style its canvas. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** What `GET /` lists for an API client (relative paths: the gateway does not know the address it is reached by). */
const ROOT_ENDPOINTS = {
  chat_completions: '/v1/chat/completions',
  responses: '/v1/responses',
  models: '/v1/models',
  route: '/v1/route',
  stats: '/v1/stats',
  metrics: '/metrics',
  dashboard: '/dashboard',
  health: '/healthz',
} as const;

/**
 * `GET /dashboard`: the savings page, live from `/v1/stats` (which enforces the key rules: the page itself holds no
 * data). uPlot is served from node_modules, read once at startup. `GET /` sends a browser there.
 */
export const dashboardRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app) => {
  const require = createRequire(import.meta.url);
  const [uplotJs, uplotCss] = await Promise.all([
    readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  ]);
  const assets: Record<string, { type: string; body: string }> = {
    '/dashboard': { type: 'text/html; charset=utf-8', body: DASHBOARD_HTML },
    '/dashboard/app.js': { type: 'text/javascript; charset=utf-8', body: DASHBOARD_SCRIPT },
    '/dashboard/uplot.js': { type: 'text/javascript; charset=utf-8', body: uplotJs },
    '/dashboard/uplot.css': { type: 'text/css; charset=utf-8', body: uplotCss },
    '/dashboard/favicon.svg': { type: 'image/svg+xml', body: DASHBOARD_FAVICON },
  };
  // The gateway's root: a browser goes to the page; an API client gets where things are, in JSON.
  app.get('/', async (request, reply) => {
    const accept = request.headers.accept;
    if (typeof accept === 'string' && accept.includes('text/html')) return reply.redirect('/dashboard', 302);
    return { object: 'thinkgate', endpoints: ROOT_ENDPOINTS };
  });
  for (const [path, asset] of Object.entries(assets)) {
    app.get(path, async (_request, reply) =>
      reply
        .header('content-type', asset.type)
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', path === '/dashboard' ? 'no-cache' : 'public, max-age=3600')
        .send(asset.body),
    );
  }
};
