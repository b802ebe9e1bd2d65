import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import { upstreamMode, type Config, type Tier, type UpstreamConfig } from './config/schema.js';
import type { GatewayContext } from './context.js';
import { GatewayError, toOpenAIError } from './errors.js';
import { createControllerFromConfig, createGate } from './gate/index.js';
import type { ReasoningSpend } from './gate/controller.js';
import type { Gate } from './gate/types.js';
import { authenticator, KeyRing } from './http/auth.js';
import { createLogger } from './http/logger.js';
import { lazyChildLoggerFactory } from './http/lazy-child-logger.js';
import { edgeRequestLog, requestLogObserver } from './http/request-log.js';
import { clientErrorHandler, drainRequestBody, installLoadShedding } from './http/limits.js';
import { installSecurityHeaders } from './http/security.js';
import { installRequestHooks } from './http/request-hooks.js';
import { installConnectionDrain } from './http/drain.js';
import { errorForLog } from './http/log-safety.js';
import { chatCompletionsRoute } from './routes/chat-completions.js';
import { responsesRoute } from './routes/responses.js';
import { healthRoutes } from './routes/health.js';
import { modelsRoute } from './routes/models.js';
import { PASSTHROUGH_HEADER, passthroughRoute } from './routes/passthrough.js';
import { routeRoute } from './routes/route.js';
import { statsRoute } from './routes/stats.js';
import { metricsRoute } from './routes/metrics.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { createSavings, reasoningSpendObserver } from './savings/index.js';
import { FleetReasoningSpend } from './savings/fleet-spend.js';
import { UpstreamClient } from './upstream/client.js';
import { createResultCache } from './cache/result-cache.js';
import { createSessionStore } from './gate/session-store.js';
import { registerCacheMetrics } from './cache/metrics.js';
import { registerSessionMetrics } from './routing/session-metrics.js';
import { startDemoUpstreams } from './upstream/demo.js';

declare module 'fastify' {
  interface FastifyInstance {
    thinkgate: GatewayContext;
  }
}

export interface BuildOptions {
  /** Pino logger options or instance; defaults from `config.log`. Tests pass `false`. */
  logger?: FastifyServerOptions['logger'] | FastifyServerOptions['loggerInstance'];
  /** A gate to use instead of the configured one (tests, embedding). */
  gate?: Gate;
  /** Extra plugins registered in the `/v1` scope, behind its auth and load shedding (embedding, benchmarks). */
  v1Plugins?: FastifyPluginAsync<{ ctx: GatewayContext }>[];
  /** Wall clock (ms) of the savings ledger's time buckets; tests replay a known history with it. */
  clock?: () => number;
}

/** Paths (pino redact syntax) that may hold secrets; they never reach a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["api-key"]',
  'req.headers.cookie',
  '*.apiKey',
  '*.apiKeys',
  '*.adminKeys',
  'config.upstreams.*.apiKey',
  'config.upstreams.*.headers',
];

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Builds the gateway: every stateful part is created here and closed by `app.close()`. */
export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<FastifyInstance> {
  // perf: the default logger writes asynchronously (src/http/logger.ts); callers may still pass their own.
  const ownLogger = opts.logger === undefined ? createLogger(config.log, REDACT_PATHS) : null;
  const logger = opts.logger ?? ownLogger?.logger;
  const app = Fastify({
    ...(typeof logger === 'object' && logger !== null && 'info' in logger ? { loggerInstance: logger } : { logger }),
    bodyLimit: config.server.bodyLimitBytes,
    // Reliability: header block bound, and its 431 in the OpenAI error shape.
    http: { maxHeaderSize: config.limits.maxHeaderBytes },
    clientErrorHandler,
    // One line per request comes from the request-log observer, with routing and cost; fastify's own pair would double it.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLoggerFactory,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  }) as unknown as FastifyInstance;

  if (ownLogger !== null) app.addHook('onClose', () => ownLogger.close());
  installConnectionDrain(app);

  const mode = upstreamMode(config);
  let upstreamConfigs: Record<Tier, NonNullable<Config['upstreams']['reasoning']>>;
  if (mode === 'demo') {
    const demo = await startDemoUpstreams();
    app.addHook('onClose', () => demo.close());
    upstreamConfigs = { reasoning: demo.reasoning, direct: demo.direct };
  } else {
    upstreamConfigs = { reasoning: config.upstreams.reasoning!, direct: config.upstreams.direct! };
  }
  // Each upstream's tag pairs resolved once: its own list, else the gateway's (read by normalising and history hygiene).
  const withTags = (u: UpstreamConfig): UpstreamConfig => ({ ...u, thinkTags: u.thinkTags ?? config.reasoning.thinkTags });
  const upstreams: Record<Tier, UpstreamClient> = {
    reasoning: new UpstreamClient('reasoning', withTags(upstreamConfigs.reasoning)),
    direct: new UpstreamClient('direct', withTags(upstreamConfigs.direct)),
  };
  app.addHook('onClose', async () => {
    await Promise.all([upstreams.reasoning.close(), upstreams.direct.close()]);
  });

  // ---- savings accounting (ledger, metrics): created here, closed with the app ----
  const savings = createSavings(config, upstreams.reasoning.model, app.log, opts.clock);
  app.addHook('onClose', () => savings.close());
  savings.metrics.watchBreakers(upstreams);
  // ---- end savings accounting ----

  const cache = await createResultCache(config, app.log);
  app.addHook('onClose', () => cache.close());
  registerCacheMetrics(savings.metrics.registry, cache);

  const controller = createControllerFromConfig(config.gate);
  const sessions = createSessionStore(config.gate, config.redis, config.cache.redisTimeoutMs, app.log);
  if (sessions !== undefined) {
    app.addHook('onClose', () => sessions.close());
    registerSessionMetrics(savings.metrics.registry, sessions);
  }
  const ctx: GatewayContext = {
    config,
    mode,
    gate: opts.gate ?? createGate(config.gate, { threshold: () => controller.effectiveThreshold() }),
    controller,
    tiers: config.gate.tiers,
    upstreams,
    keys: new KeyRing(config.auth.apiKeys, config.auth.adminKeys),
    observers: [],
    cache,
    savings,
    sessions,
  };
  app.decorate('thinkgate', ctx);
  app.decorateRequest('tenant', 'anonymous');
  app.decorateRequest('isAdmin', false);
  // The log line needs the request's cost and savings, so it runs inside the savings observer, after accounting.
  // With Redis the hourly reasoning budget is the fleet's (see FleetReasoningSpend), else this replica's.
  let recordSpend: ((spend: ReasoningSpend) => void) | undefined;
  if (config.gate.reasoningBudget !== undefined && config.redis.url !== undefined) {
    const fleetSpend = new FleetReasoningSpend({
      url: config.redis.url,
      keyPrefix: `${config.redis.keyPrefix}budget:`,
      apply: (s) => controller.recordReasoningSpend(s),
      commandTimeoutMs: config.cache.redisTimeoutMs,
    });
    app.addHook('onClose', () => fleetSpend.close());
    recordSpend = (s) => fleetSpend.record(s);
  }
  const spendObserver = reasoningSpendObserver(controller, savings.metrics, recordSpend);
  ctx.observers.push(savings.observer(spendObserver, requestLogObserver(app.log, config.log.prompts, ownLogger?.writeInfoLine)));

  app.setErrorHandler((err, request, reply) => {
    const { status, body, headers } = toOpenAIError(err);
    // errorForLog: an upstream's error text may quote the prompt; it never reaches the log.
    if (status >= 500 && !(err instanceof GatewayError && err.quiet)) request.log.error({ err: errorForLog(err), requestId: request.id }, 'request failed');
    const send = (): FastifyReply => reply.code(status).headers(headers).send(body);
    // Clients that send the whole body before reading the answer (fetch) only see a 413 sent after it.
    // The connection closes after it: what is left of an unread body cannot be told from a next request.
    if (status === 413) {
      // fastify's own body-limit error knows no limit: say which one applies.
      if ((err as { code?: unknown }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') body.error.message = `Request body is too large: this endpoint accepts up to ${config.server.bodyLimitBytes} bytes (server.bodyLimitBytes).`;
      reply.header('connection', 'close');
      return drainRequestBody(request.raw, config.server.oversizedBodyDrain).then(send);
    }
    return send();
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: { message: `Unknown request URL: ${request.method} ${request.url.split('?')[0]}`, type: 'invalid_request_error', param: null, code: 'unknown_url' },
    }),
  );
  // Request id and fixed security headers: one callback hook for every request.
  installRequestHooks(app, config);
  installSecurityHeaders(app, config);
  await app.register(healthRoutes, { ctx });
  await app.register(metricsRoute, { ctx });
  await app.register(dashboardRoutes, { ctx });
  await app.register(
    async (v1) => {
      // The key check and the in-flight bounds: one onRequest hook (the key check first).
      const limiter = await installLoadShedding(v1, config, authenticator(ctx.keys));
      savings.metrics.watchInFlight(() => limiter.inFlight);
      // One log line for each /v1 request that has no request record (refused, forwarded, models, stats); routed
      // requests set x-thinkgate-route once decided, and their line comes from the record, with cost and savings.
      v1.addHook(
        'onResponse',
        edgeRequestLog(app.log, { recordedHeader: 'x-thinkgate-route', forwardedHeader: PASSTHROUGH_HEADER, onRejected: (tenant) => savings.ledger.recordRejected(tenant) }),
      );
      await v1.register(chatCompletionsRoute, { ctx });
      await v1.register(responsesRoute, { ctx });
      await v1.register(routeRoute, { ctx });
      await v1.register(modelsRoute, { ctx });
      await v1.register(statsRoute, { ctx });
      for (const plugin of opts.v1Plugins ?? []) await v1.register(plugin, { ctx });
      await v1.register(passthroughRoute, { ctx });
    },
  );
  return app;
}
