import type { FastifyBaseLogger, onResponseHookHandler } from 'fastify';
import fastJson from 'fast-json-stringify';
import type { RequestRecord } from '../core/record.js';
import type { Accounting } from '../savings/accounting.js';
import { nanoToUsd } from '../savings/prices.js';

/**
 * One JSON line per request (either wire API, labelled `api`) at info: what happened, what it cost and what it saved. Never prompt text unless
 * `log.prompts` is on; never a key (the tenant is a hash; redaction covers headers). Counterfactual figures are
 * estimates, flagged by `savingsEstimated`; `usageEstimated` flags token counts the gateway had to count itself.
 */
export function requestLogLine(r: RequestRecord, a: Accounting, logPrompts: boolean): Record<string, unknown> {
  const cf = a.counterfactual;
  return {
    requestId: r.requestId,
    tenant: r.tenant,
    api: r.api,
    route: r.route,
    decision: r.decisionSource,
    score: Number(r.score.toFixed(4)),
    difficulty: r.difficulty === undefined ? undefined : Number(r.difficulty.toFixed(4)),
    session: r.session,
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
    droppedTools: r.droppedTools,
    finishSynthesised: r.finishSynthesised,
    prompt: logPrompts ? r.prompt : undefined,
  };
}

const num = { type: 'number' } as const;
const nullableNumber = { type: 'number', nullable: true } as const;
const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;

/** Every field of `requestLogLine`; a test checks that this path and pino's print the same object. */
const serializeLine = fastJson({
  type: 'object',
  properties: {
    requestId: str,
    tenant: str,
    api: str,
    route: str,
    decision: str,
    score: num,
    difficulty: num,
    session: str,
    reasons: { type: 'array', items: str },
    model: str,
    cache: str,
    stream: bool,
    status: num,
    outcome: str,
    errorCode: { type: 'string', nullable: true },
    fallback: bool,
    promptTokens: nullableNumber,
    completionTokens: nullableNumber,
    reasoningTokens: nullableNumber,
    usageEstimated: bool,
    ttfbMs: nullableNumber,
    latencyMs: num,
    costUsd: num,
    unpriced: bool,
    counterfactualCostUsd: nullableNumber,
    savedTokens: num,
    savedReasoningTokens: num,
    savedCostUsd: num,
    savingsEstimated: bool,
    droppedTools: { type: 'array', items: str },
    finishSynthesised: bool,
    prompt: str,
  },
});

const MSG = 'chat request';

/**
 * perf: with the gateway's own logger, the line is serialised by a serializer compiled from its fixed shape
 * (fast-json-stringify, as fastify serialises replies) and framed like pino's lines: pino's generic serialiser
 * walked ~27 fields per request and cost more CPU than anything else a cache hit does. A value the compiled
 * serializer refuses (a NaN) sends that line through pino instead, which prints it as null.
 *
 * Otherwise the line goes through a child logger without redaction. Redaction ran a path matcher over every field of
 * every line (~1 % of the gateway's CPU); this line has a fixed shape whose fields are strings, numbers, booleans
 * and one array of strings (`reasons`), so none of the redacted paths (`req.headers.*`, `*.apiKey(s)`,
 * `*.adminKeys`, `config.upstreams.*`) can occur in it. Every other log call keeps the redacting logger.
 */
export function requestLogObserver(
  log: FastifyBaseLogger,
  logPrompts: boolean,
  writeInfoLine?: (fieldsJson: string, msg: string) => void,
): (r: RequestRecord, a: Accounting) => void {
  const plain = log.child({}, { redact: [] });
  if (writeInfoLine === undefined) return (r, a) => plain.info(requestLogLine(r, a, logPrompts), MSG);
  return (r, a) => {
    const line = requestLogLine(r, a, logPrompts);
    let json: string;
    try {
      json = serializeLine(line);
    } catch {
      plain.info(line, MSG);
      return;
    }
    writeInfoLine(json, MSG);
  };
}

/** How a /v1 request without a request record ended, for its log line. */
export type EdgeOutcome = 'completed' | 'rejected' | 'aborted' | 'error';

export interface EdgeLogOptions {
  /** Response header whose presence means a request record (and its log line) covers this request. */
  recordedHeader: string;
  /** Response header whose presence means an upstream answered (a forwarded request): never `rejected`. */
  forwardedHeader: string;
  /** Counts a request refused before routing (the ledger's `rejected`). */
  onRejected: (tenant: string) => void;
}

/**
 * onResponse hook for the `/v1` scope: one log line for every request that has no request record — refused before
 * routing (400 bad body, 401, 413, 429…), forwarded unchanged, or one of the gateway's own endpoints (models,
 * stats) — so that every `/v1` request has exactly one line. No prompt text, no body, no key: method, path
 * (without the query), status, outcome, latency. A 4xx the gateway answered itself is `rejected` and counted apart
 * in the ledger; a routed request's line comes from the request record (`requestLogObserver`) instead.
 */
export function edgeRequestLog(log: FastifyBaseLogger, opts: EdgeLogOptions): onResponseHookHandler {
  return (request, reply, done) => {
    if (reply.hasHeader(opts.recordedHeader)) return done();
    const status = reply.statusCode;
    const forwarded = reply.hasHeader(opts.forwardedHeader);
    const aborted = !reply.raw.writableFinished;
    const outcome: EdgeOutcome = aborted ? 'aborted' : status >= 500 ? 'error' : status >= 400 && !forwarded ? 'rejected' : 'completed';
    const tenant = status === 401 ? 'unauthenticated' : request.tenant;
    if (outcome === 'rejected') opts.onRejected(tenant);
    const q = request.url.indexOf('?');
    log.info(
      {
        requestId: request.id,
        tenant,
        method: request.method,
        path: q === -1 ? request.url : request.url.slice(0, q),
        status: aborted ? 499 : status,
        outcome,
        forwarded: forwarded ? true : undefined,
        latencyMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
    done();
  };
}
