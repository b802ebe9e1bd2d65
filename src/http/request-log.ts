import type { FastifyBaseLogger } from 'fastify';
import type { RequestRecord } from '../chat/record.js';
import type { Accounting } from '../savings/accounting.js';
import { nanoToUsd } from '../savings/prices.js';

/**
 * One JSON line per chat request at info: what happened, what it cost and what it saved. Never prompt text unless
 * `log.prompts` is on; never a key (the tenant is a hash; redaction covers headers). Counterfactual figures are
 * estimates, flagged by `savingsEstimated`; `usageEstimated` flags token counts the gateway had to count itself.
 */
export function requestLogLine(r: RequestRecord, a: Accounting, logPrompts: boolean): Record<string, unknown> {
  const cf = a.counterfactual;
  return {
    requestId: r.requestId,
    tenant: r.tenant,
    route: r.route,
    decision: r.decisionSource,
    score: Number(r.score.toFixed(4)),
    reasons: r.reasons,
    model: r.upstreamModel,
    cache: r.cache,
    stream: r.stream,
    status: r.status,
    outcome: r.outcome,
    errorCode: r.errorCode,
    // Optional fields are `undefined` when absent (pino leaves them out of the line), not spread in: no copies.
    fallback: r.fallback === true ? true : undefined,
    promptTokens: r.usage === null ? null : a.tokens.prompt,
    completionTokens: r.usage === null ? null : a.tokens.completion,
    reasoningTokens: r.usage === null ? null : a.tokens.reasoning,
    usageEstimated: a.usageEstimated,
    ttfbMs: r.ttfbMs === null ? null : Math.round(r.ttfbMs * 10) / 10,
    latencyMs: Math.round(r.latencyMs * 10) / 10,
    costUsd: nanoToUsd(a.costNano),
    unpriced: a.priced ? undefined : true,
    counterfactualCostUsd: cf === null ? null : nanoToUsd(cf.costNano),
    savedTokens: a.savedTokens,
    savedReasoningTokens: a.savedReasoningTokens,
    savedCostUsd: nanoToUsd(a.savedCostNano),
    savingsEstimated: cf !== null,
    prompt: logPrompts ? r.prompt : undefined,
  };
}

/**
 * perf: the line goes through a child logger without redaction. Redaction ran a path matcher over every field of
 * every line (~1 % of the gateway's CPU); this line has a fixed shape whose fields are strings, numbers, booleans
 * and one array of strings (`reasons`), so none of the redacted paths (`req.headers.*`, `*.apiKey(s)`,
 * `*.adminKeys`, `config.upstreams.*`) can occur in it. Every other log call keeps the redacting logger.
 */
export function requestLogObserver(log: FastifyBaseLogger, logPrompts: boolean): (r: RequestRecord, a: Accounting) => void {
  const plain = log.child({}, { redact: [] });
  return (r, a) => plain.info(requestLogLine(r, a, logPrompts), 'chat request');
}
