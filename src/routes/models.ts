import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../context.js';

/** `GET /v1/models`: the route aliases a client can pick, then the upstream models behind them (OpenAI list shape). */
export const modelsRoute: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const created = Math.floor(Date.now() / 1000);
  const ids = new Set<string>([...Object.keys(ctx.config.routing.aliases), ctx.upstreams.reasoning.model, ctx.upstreams.direct.model]);
  const data = [...ids].map((id) => ({ id, object: 'model' as const, created, owned_by: 'thinkgate' }));
  app.get('/v1/models', async () => ({ object: 'list', data }));
  app.get<{ Params: { id: string } }>('/v1/models/:id', async (request, reply) => {
    const model = data.find((m) => m.id === request.params.id);
    if (model) return model;
    return reply.code(404).send({
      error: { message: `The model '${request.params.id}' does not exist`, type: 'invalid_request_error', param: 'model', code: 'model_not_found' },
    });
  });
};
