import type { FastifyPluginAsync } from 'fastify';
import type { Readable } from 'node:stream';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';
import { runPipeline } from '../pipeline/run.js';
import { countInputTokens, createResponsesStore, exchangeFor, memoizable, prepareResponse, type PrepareOptions, type PreparedResponse } from '../apis/responses/service.js';
import { installPreparedParser } from '../pipeline/prepared-parser.js';
import { inputItemsPage, loadResponse, type ItemListQuery } from '../apis/responses/state.js';
import { storedResponseEvents } from '../apis/responses/stored-events.js';

/**
 * The Responses API: `POST /v1/responses` through the pipeline (gate, cache, single-flight, fallback, accounting),
 * and the stored-response endpoints (`GET`/`DELETE /v1/responses/{id}`, `/input_items`), scoped by tenant.
 * `/cancel` is refused (only background responses can be cancelled, and the gateway runs none); `/input_tokens` is
 * counted with the gateway's tokenizer; `/compact` goes to an upstream that serves the Responses API natively.
 */
export const responsesRoute: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const store = await createResponsesStore(ctx.config, app.log);
  app.addHook('onClose', () => store.close());
  const { upstreams } = ctx;
  const bridged = upstreams.reasoning.config.api === 'chat' || upstreams.direct.config.api === 'chat';
  const options = (tenant: string, log: PrepareOptions['log']): PrepareOptions => ({ store, tenant, config: ctx.config, bridged, log });

  // A repeat of a cacheable request (same tenant, route header and bytes) skips validation, mapping, the gate and
  // key hashing, as a chat one does. Its own scope: the memo's body parser must serve this one route only.
  await app.register(async (create) => {
    const memo = ctx.cache.memo;
    if (memo !== null) installPreparedParser(create, ctx, memo, 'responses');
    create.post('/v1/responses', async (request, reply) => {
      const opts = options(request.tenant, request.log);
      const remembered = request.prepared ?? null;
      let prepared: PreparedResponse;
      if (remembered !== null) prepared = remembered.validated as PreparedResponse;
      else {
        const fresh = prepareResponse(request.body, opts);
        prepared = fresh instanceof Promise ? await fresh : fresh;
      }
      const memoKey = memoizable(prepared) ? (request.memoKey ?? null) : null;
      return runPipeline(ctx, request, reply, exchangeFor(prepared, opts), { prepared: remembered, memoKey, validated: prepared });
    });
  });

  app.get<{ Params: { id: string }; Querystring: { stream?: string; starting_after?: string } }>('/v1/responses/:id', async (request, reply) => {
    const { stream } = request.query;
    // Anything but true/false (stream=1, stream=yes) would otherwise quietly answer JSON where events were wanted.
    if (stream !== undefined && stream !== 'true' && stream !== 'false') {
      throw new GatewayError(400, `Invalid value for 'stream': expected true or false, got ${JSON.stringify(stream)}.`, { param: 'stream', code: 'invalid_value' });
    }
    const { response } = await loadResponse(store, request.tenant, request.params.id);
    if (stream !== 'true') return response;
    const after = request.query.starting_after === undefined ? -1 : Number(request.query.starting_after);
    if (!Number.isInteger(after) || after < -1) {
      throw new GatewayError(400, "Invalid value for 'starting_after': expected an event's sequence_number.", { param: 'starting_after', code: 'invalid_value' });
    }
    return reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache').send(storedResponseEvents(response, after));
  });

  app.delete<{ Params: { id: string } }>('/v1/responses/:id', async (request) => {
    const { id } = request.params;
    if (!(await store.delete(request.tenant, id))) await loadResponse(store, request.tenant, id);
    return { id, object: 'response.deleted', deleted: true };
  });

  app.get<{ Params: { id: string }; Querystring: ItemListQuery }>('/v1/responses/:id/input_items', async (request) =>
    inputItemsPage(await loadResponse(store, request.tenant, request.params.id), request.query),
  );

  app.post<{ Params: { id: string } }>('/v1/responses/:id/cancel', async () => {
    throw new GatewayError(400, 'Only responses created with background: true can be cancelled, and this gateway runs no background responses.', {
      param: 'response_id',
      code: 'unsupported_parameter',
    });
  });

  app.post('/v1/responses/input_tokens', async (request) => countInputTokens(request.body, options(request.tenant, request.log)));

  app.post('/v1/responses/compact', async (request, reply) => {
    const tier = upstreams[ctx.config.routing.passthroughTier].config.api === 'responses' ? ctx.config.routing.passthroughTier
      : upstreams.reasoning.config.api === 'responses' ? 'reasoning' : upstreams.direct.config.api === 'responses' ? 'direct' : undefined;
    if (tier === undefined) {
      throw new GatewayError(404, 'POST /v1/responses/compact needs an upstream that serves the Responses API natively (upstreams.<tier>.api: responses); none is configured.', {
        code: 'unknown_url',
      });
    }
    const client = upstreams[tier];
    const controller = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    const body = { ...(request.body as Record<string, unknown>), model: client.model };
    const res = await client.request({
      method: 'POST',
      path: `${client.basePath}/responses/compact`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    reply.code(res.statusCode).header('content-type', res.headers['content-type'] ?? 'application/json');
    return reply.send(res.body as Readable);
  });
};
