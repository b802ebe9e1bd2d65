import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { Config } from '../config/schema.js';

/**
 * Response hardening for a JSON/SSE API: helmet with what fits an API (no document to protect, so CSP denies
 * everything and the browser-page headers are off), plus CORS — off unless `cors.origins` lists origins.
 * `@fastify/cors` is not a dependency; the subset an API needs (allow-listed origins, preflight) is small.
 */

const ALLOWED_METHODS = 'GET, POST, DELETE, OPTIONS';
// Allowed when a preflight names no headers. A preflight that names some gets them back: the official SDKs send their
// own (`x-stainless-os`, `x-stainless-retry-count`, …, `openai-beta`) and a browser drops the request if one is missing.
const ALLOWED_HEADERS = 'authorization, api-key, content-type, x-request-id, x-thinkgate-route, x-thinkgate-session, openai-organization, openai-project';
// Every header a browser client may want to read: without it here, fetch in a page sees null for it.
const EXPOSED_HEADERS =
  'x-request-id, x-thinkgate-route, x-thinkgate-score, x-thinkgate-difficulty, x-thinkgate-cache, x-thinkgate-cache-tier, ' +
  'x-thinkgate-upstream-model, x-thinkgate-fallback, x-thinkgate-dropped-tools, x-thinkgate-passthrough, retry-after';

/** Header values a response gets from helmet: computed once, since every option in use is static. */
export interface StaticHeaders {
  set: Readonly<Record<string, string>>;
  remove: readonly string[];
}

/**
 * Runs helmet's middleware once against a recording response. perf: `@fastify/helmet` called `helmet(options)` on
 * every request, which re-parsed the CSP directives and rebuilt a dozen middleware closures (~3 % of the gateway's
 * CPU per chat request) to set the same headers each time. Helmet's middlewares only call `setHeader` (and
 * `removeHeader` for X-Powered-By), and none of our options is a per-request function, so the result is constant.
 */
export function helmetHeaders(options: HelmetOptions): StaticHeaders {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]): void {
      set[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string): void {
      const lower = name.toLowerCase();
      delete set[lower];
      remove.push(lower);
    },
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err !== undefined && err !== null) throw err instanceof Error ? err : new Error(String(err));
  });
  return { set, remove };
}

export function securityHeaderOptions(config: Config): HelmetOptions {
  return {
    // An API serves no HTML: nothing may load, nothing may frame it.
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginEmbedderPolicy: false,
    // With CORS on, browsers on the allowed origins must be able to read responses.
    crossOriginResourcePolicy: config.cors.origins.length > 0 ? { policy: 'cross-origin' } : { policy: 'same-origin' },
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    // Headers that only instruct a browser rendering a document (links to follow, hostnames to prefetch, the old
    // XSS auditor) do nothing for JSON and event streams, and every header costs each reply its validation and
    // framing in node (~2.5 k instructions). The dashboard's HTML sets the one of them a page can use.
    referrerPolicy: false,
    xDnsPrefetchControl: false,
    xXssProtection: false,
  };
}

/**
 * Every reply's fixed headers as one precomputed list of [name, value] pairs: the security headers (helmet, run
 * once), set by the gateway's single root onRequest hook (src/http/request-hooks.ts). Helmet's removals
 * (X-Powered-By) need no step per request: fastify never sets that header, and the reply is fresh at onRequest.
 */
export function staticHeaderBlock(config: Config): readonly (readonly [string, string])[] {
  return Object.entries(helmetHeaders(securityHeaderOptions(config)).set);
}

/** CORS (off unless `cors.origins` lists origins). The security headers come with the root hook, not from here. */
export function installSecurityHeaders(app: FastifyInstance, config: Config): void {
  if (config.cors.origins.length > 0) installCors(app, config.cors.origins);
}

/**
 * Allow-listed origins only (`*` allows any, without credentials). Preflights are answered before auth, allowing the
 * request headers they ask for (as `@fastify/cors` does by default): which headers a client sends is its business, the
 * origin is what CORS guards.
 */
function installCors(app: FastifyInstance, origins: readonly string[]): void {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (typeof origin !== 'string') return;
    reply.header('vary', 'Origin');
    if (!any && !allowed.has(origin)) return;
    reply.header('access-control-allow-origin', any ? '*' : origin);
    reply.header('access-control-expose-headers', EXPOSED_HEADERS);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      reply.header('access-control-allow-methods', ALLOWED_METHODS);
      const requested = request.headers['access-control-request-headers'];
      reply.header('access-control-allow-headers', typeof requested === 'string' && requested.trim() !== '' ? requested : ALLOWED_HEADERS);
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    }
  });
}
