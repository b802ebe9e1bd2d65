import type { FastifyPluginAsync } from 'fastify';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';

/**
 * RFC 9110 hop-by-hop headers, plus the client's credentials (with the org and project that go with them) and host,
 * which must never travel upstream, and `expect`: the gateway's server already answered the client's
 * `Expect: 100-continue` (curl sends one with uploads over 1 MiB), the body is here, and undici refuses to send a
 * request that carries the header.
 */
const DROP_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect',
  'host', 'authorization', 'api-key', 'cookie', 'x-thinkgate-route', 'x-thinkgate-session',
  // The organization and project of the client's key (the SDKs send them from OPENAI_ORG_ID / OPENAI_PROJECT_ID):
  // the upstream gets the gateway's key, which OpenAI refuses beside another org's id. An upstream that needs them
  // gets them from its own `headers` in the config.
  'openai-organization', 'openai-project',
]);
const DROP_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'set-cookie',
]);

/**
 * Whether `suffix` (the path under `/v1`, query included) is one of `paths` (routing.passthroughPaths): `*`, the
 * path itself, or a path below it (`/audio` covers `/audio/speech`, not `/audiobooks`). Pure.
 */
export function passthroughAllowed(paths: readonly string[], suffix: string): boolean {
  const end = suffix.search(/[?#]/);
  const path = end === -1 ? suffix : suffix.slice(0, end);
  for (const allowed of paths) {
    if (allowed === '*') return true;
    const base = allowed.endsWith('/') ? allowed.slice(0, -1) : allowed;
    if (path === base || path.startsWith(`${base}/`)) return true;
  }
  return false;
}

/** Response header naming the tier that answered a forwarded request. */
export const PASSTHROUGH_HEADER = 'x-thinkgate-passthrough';

const bodyTooLarge = (limit: number): GatewayError =>
  new GatewayError(413, `Request body is too large: this path accepts up to ${limit} bytes (server.passthroughBodyLimitBytes).`, { code: 'request_too_large' });

/** Passes a body through, failing once more than `limit` bytes went by. */
class BodyLimit extends Transform {
  private seen = 0;
  exceeded = false;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      this.exceeded = true;
      callback(bodyTooLarge(this.limit));
      return;
    }
    callback(null, chunk);
  }
}

/**
 * Every other `/v1/*` path (embeddings, moderations, audio, files, the Responses API…) goes unchanged to the
 * configured default upstream with that upstream's key: method, streamed body, status, headers minus hop-by-hop.
 */
export const passthroughRoute: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  // Bodies are streamed as they come, whatever their type (JSON, multipart audio uploads…).
  app.removeAllContentTypeParsers();
  const limit = ctx.config.server.passthroughBodyLimitBytes;
  app.addContentTypeParser('*', (request, payload, done) => {
    const declared = Number(request.headers['content-length']);
    if (declared > limit) {
      done(bodyTooLarge(limit), undefined);
      return;
    }
    // A body without a length (chunked) is counted as it streams: past the limit the upload to the upstream fails.
    done(null, declared >= 0 ? payload : payload.pipe(new BodyLimit(limit)));
  });

  const client = ctx.upstreams[ctx.config.routing.passthroughTier];

  const paths = ctx.config.routing.passthroughPaths;
  app.all('/v1/*', async (request, reply) => {
    const suffix = request.url.slice('/v1'.length);
    if (!passthroughAllowed(paths, suffix)) {
      // As OpenAI answers a path it does not serve; the message says where the list is.
      throw new GatewayError(404, `Unknown request URL: ${request.method} ${request.url.split('?')[0] ?? ''}. This gateway does not forward it (routing.passthroughPaths).`, { type: 'invalid_request_error', code: 'unknown_url' });
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || DROP_REQUEST_HEADERS.has(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const controller = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    const body = hasBody ? (request.body as Readable | undefined) ?? null : null;
    let res;
    try {
      res = await client.request({ method: request.method as Dispatcher.HttpMethod, path: `${client.basePath}${suffix}`, headers, body, signal: controller.signal });
    } catch (err) {
      if (body instanceof BodyLimit && body.exceeded) throw bodyTooLarge(limit);
      throw err;
    }
    reply.code(res.statusCode);
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !DROP_RESPONSE_HEADERS.has(name)) reply.header(name, value);
    }
    // Says (to the client and to the request log) that this answer is the upstream's, forwarded unchanged.
    reply.header(PASSTHROUGH_HEADER, client.tier);
    return reply.send(res.body);
  });
};
