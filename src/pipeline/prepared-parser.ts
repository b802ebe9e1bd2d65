import type { FastifyInstance, FastifyRequest } from 'fastify';
import { cacheControlFlags } from '../cache/policy.js';
import type { Api } from '../core/conversation.js';
import type { GatewayContext } from '../context.js';
import { cacheScope } from './cache-flow.js';
import { PreparedMemo, type PreparedRequest } from './prepared.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** This exact request (same API, tenant, route header and bytes) prepared earlier at the current threshold. */
    prepared: PreparedRequest | null;
    /** The request's key in the prepared-request memo; null when the memo is not consulted. */
    memoKey: { key: string; bodyLength: number } | null;
    /** The Cache-Control header as `cacheControlFlags` bits, once read here; -1 until then. */
    cacheControlFlags: number;
  }
}

/** The request's Cache-Control bits: read once per request (here, or by the pipeline when this parser did not run). */
export function requestCacheFlags(request: FastifyRequest): number {
  const known = request.cacheControlFlags;
  return known !== undefined && known >= 0 ? known : cacheControlFlags(request.headers['cache-control']);
}

/**
 * Parses JSON bodies as the default parser does (same poisoning rules), but first looks the exact bytes up in the
 * prepared-request memo: a repeat skips parsing too, and the route skips validation, the gate and key hashing.
 * Requests that can never use the cache (`no-store`, or not deterministic in `deterministic` mode) are not looked
 * up at all: building the key copies the body (and hashes a long one). Registered inside one route's plugin, so it
 * applies to that route only.
 */
export function installPreparedParser(app: FastifyInstance, ctx: GatewayContext, memo: PreparedMemo, api: Api): void {
  if (!app.hasRequestDecorator('prepared')) {
    app.decorateRequest('prepared', null);
    app.decorateRequest('memoKey', null);
    app.decorateRequest('cacheControlFlags', -1);
  }
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, raw, done) => {
    const text = raw as string;
    const cacheFlags = cacheControlFlags(request.headers['cache-control']);
    request.cacheControlFlags = cacheFlags;
    if (!ctx.cache.mayCache(text, cacheFlags)) {
      parseJson(request, text, done);
      return;
    }
    const routeHeader = request.headers['x-thinkgate-route'];
    const key = PreparedMemo.keyOf({ api, scope: cacheScope(ctx.config, request.tenant), routeHeader: typeof routeHeader === 'string' ? routeHeader : '' }, text);
    request.memoKey = { key, bodyLength: text.length };
    const prepared = memo.get(key, ctx.controller.effectiveThreshold());
    if (prepared === undefined) {
      parseJson(request, text, done);
      return;
    }
    request.prepared = prepared;
    done(null, prepared.validated);
  });
}
