import type { FastifyPluginAsync } from 'fastify';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { GatewayContext } from '../context.js';

/** RFC 9110 hop-by-hop headers, plus the client's credentials and host, which must never travel upstream. */
const DROP_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'host', 'authorization', 'api-key', 'cookie', 'x-thinkgate-route',
]);
const DROP_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'set-cookie',
]);

/** Response header naming the tier that answered a forwarded request. */
export const PASSTHROUGH_HEADER = 'x-thinkgate-passthrough';

/**
 * Every other `/v1/*` path (embeddings, moderations, audio, files, the Responses API…) goes unchanged to the
 * configured default upstream with that upstream's key: method, streamed body, status, headers minus hop-by-hop.
 */
export const passthroughRoute: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  // Bodies are streamed as they come, whatever their type (JSON, multipart audio uploads…).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  const client = ctx.upstreams[ctx.config.routing.passthroughTier];

  app.all('/v1/*', async (request, reply) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || DROP_REQUEST_HEADERS.has(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const controller = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    const suffix = request.url.slice('/v1'.length);
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    const res = await client.request({
      method: request.method as Dispatcher.HttpMethod,
      path: `${client.basePath}${suffix}`,
      headers,
      body: hasBody ? (request.body as Readable | undefined) ?? null : null,
      signal: controller.signal,
    });
    reply.code(res.statusCode);
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !DROP_RESPONSE_HEADERS.has(name)) reply.header(name, value);
    }
    // Says (to the client and to the request log) that this answer is the upstream's, forwarded unchanged.
    reply.header(PASSTHROUGH_HEADER, client.tier);
    return reply.send(res.body);
  });
};
