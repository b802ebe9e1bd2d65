import type { Route } from '../gate/types.js';
import type { DecisionSource } from '../routing/decide.js';
import type { Api } from './conversation.js';
import type { Usage } from './types.js';

export type CacheStatus = 'hit' | 'miss' | 'bypass';

/**
 * Everything known about one chat request once it is over: what the log line, the ledger and the metrics read.
 * Built by the request pipeline, handed to every `RequestObserver`.
 */
export interface RequestRecord {
  requestId: string;
  tenant: string;
  /** The wire API the client spoke. */
  api: Api;
  route: Route;
  decisionSource: DecisionSource;
  score: number;
  /** The gate's difficulty within the prompt's domain, 0..1 (absent when the gate has none). */
  difficulty?: number | undefined;
  /** What session affinity did (`new`, `same`, `raised`, `held`, `closing`, `none`); absent when not applied. */
  session?: string | undefined;
  reasons: string[];
  upstreamModel: string;
  /**
   * True when the other tier served because the chosen one failed or its breaker was open (`route` is what served).
   * Such a request counts its cost and saves nothing.
   */
  fallback: boolean;
  requestedModel: string | undefined;
  stream: boolean;
  cache: CacheStatus;
  /** On a cache hit: the tier that produced the stored answer (`reasoning` on a cross-tier hit of a direct request). */
  cacheTier?: Route;
  status: number;
  /** `completed`, `aborted` (client went away), `error` (ours or the upstream's). */
  outcome: 'completed' | 'aborted' | 'error';
  errorCode: string | null;
  usage: Usage | null;
  /** True when `usage` was counted by the gateway's tokenizer (the upstream reported none): an estimate. */
  usageEstimated?: boolean;
  /** True when the upstream ended a stream with `[DONE]` but no `finish_reason` and the gateway sent the implied one. */
  finishSynthesised?: boolean | undefined;
  /** Prompt text, only when `log.prompts` is on. */
  prompt?: string | undefined;
  /** Tools the client offered that the upstream's API cannot express, dropped by the adapter (named, never silent). */
  droppedTools?: string[] | undefined;
  startedAt: number;
  /** ms from request start to the first byte sent to the client (null if none was sent). */
  ttfbMs: number | null;
  latencyMs: number;
}

export type RequestObserver = (record: RequestRecord) => void;
