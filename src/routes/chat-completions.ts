import type { FastifyPluginAsync } from 'fastify';
import type { GatewayContext } from '../context.js';
import { chatExchange } from '../apis/chat/exchange.js';
import type { ChatRequest } from '../apis/chat/schema.js';
import { validateChatRequest } from '../apis/chat/validate.js';
import { installPreparedParser } from '../pipeline/prepared-parser.js';
import { runPipeline } from '../pipeline/run.js';

/** `POST /v1/chat/completions`: validate, map to the canonical request (the same shape), run the pipeline. */
export const chatCompletionsRoute: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const memo = ctx.cache.memo;
  if (memo !== null) installPreparedParser(app, ctx, memo, 'chat');
  const output = ctx.config.reasoning.output;

  app.post('/v1/chat/completions', (request, reply) => {
    // Both are undecorated (undefined) when the memo is off.
    const prepared = request.prepared ?? null;
    const chat = prepared === null ? validateChatRequest(request.body) : (prepared.validated as ChatRequest);
    return runPipeline(ctx, request, reply, chatExchange(chat, output), { prepared, memoKey: request.memoKey ?? null, validated: chat });
  });
};
