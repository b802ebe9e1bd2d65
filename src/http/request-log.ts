import type { FastifyBaseLogger } from 'fastify';
import type { RequestObserver } from '../chat/record.js';

/** One JSON line per chat request at info: what happened and what it cost, never prompt text unless asked. */
export function requestLogObserver(log: FastifyBaseLogger, logPrompts: boolean): RequestObserver {
  return (r) => {
    const usage = r.usage;
    log.info(
      {
        requestId: r.requestId,
        tenant: r.tenant,
        route: r.route,
        decision: r.decisionSource,
        score: Number(r.score.toFixed(4)),
        reasons: r.reasons,
        model: r.upstreamModel,
        fallback: r.fallback,
        cache: r.cache,
        stream: r.stream,
        status: r.status,
        outcome: r.outcome,
        errorCode: r.errorCode,
        promptTokens: usage?.prompt_tokens ?? null,
        completionTokens: usage?.completion_tokens ?? null,
        reasoningTokens: usage?.completion_tokens_details?.reasoning_tokens ?? null,
        ttfbMs: r.ttfbMs === null ? null : Math.round(r.ttfbMs * 10) / 10,
        latencyMs: Math.round(r.latencyMs * 10) / 10,
        ...(logPrompts && r.prompt !== undefined ? { prompt: r.prompt } : {}),
      },
      'chat request',
    );
  };
}
