import type { ChatCompletion } from '../core/types.js';
import type { CacheConfig } from '../config/schema.js';

/**
 * What may be read from and written to the cache. Pure: the route passes the request fields and header.
 * `read`: a stored answer may serve this request. `write`: this request's answer may be stored.
 * `status` is what the client sees in `x-thinkgate-cache` when nothing is found.
 */
export interface CachePolicy {
  read: boolean;
  write: boolean;
  /** Why the cache is bypassed (log/debug); null when it is used. */
  reason: string | null;
}

export interface PolicyRequest {
  temperature?: number | null | undefined;
  seed?: unknown;
  /** The `Cache-Control` request header, raw. */
  cacheControl?: string | string[] | undefined;
}

/** Directives of a Cache-Control header, lower-cased, arguments dropped (`max-age=0` → `max-age`). */
const NO_DIRECTIVES: ReadonlySet<string> = new Set();

export function cacheControlDirectives(header: string | string[] | undefined): ReadonlySet<string> {
  if (header === undefined) return NO_DIRECTIVES;
  const out = new Set<string>();
  for (const line of Array.isArray(header) ? header : [header]) {
    for (const part of line.split(',')) {
      const name = part.split('=')[0]?.trim().toLowerCase();
      if (name) out.add(name);
    }
  }
  return out;
}

/** Deterministic enough that a stored answer is the answer: greedy sampling or a fixed seed. */
export function isDeterministic(req: PolicyRequest, cfg: Pick<CacheConfig, 'absentTemperatureIsDeterministic'>): boolean {
  if (req.seed !== undefined && req.seed !== null) return true;
  if (req.temperature === 0) return true;
  return (req.temperature === undefined || req.temperature === null) && cfg.absentTemperatureIsDeterministic;
}

export function requestPolicy(req: PolicyRequest, cfg: CacheConfig): CachePolicy {
  if (!cfg.enabled) return { read: false, write: false, reason: 'disabled' };
  const directives = cacheControlDirectives(req.cacheControl);
  if (directives.has('no-store')) return { read: false, write: false, reason: 'no-store' };
  if (cfg.mode === 'deterministic' && !isDeterministic(req, cfg)) return { read: false, write: false, reason: 'not deterministic' };
  // no-cache: revalidate, i.e. ask the upstream again and refresh the entry with its answer.
  if (directives.has('no-cache')) return { read: false, write: true, reason: null };
  return { read: true, write: true, reason: null };
}

const FINISHED: ReadonlySet<string> = new Set(['stop', 'tool_calls', 'function_call']);

/**
 * Only whole answers: every choice finished for a reason that means "done" (`length` only when configured;
 * `content_filter` and unknown reasons never, they may be partial). Errors and cut streams never get here
 * with a finish reason on every choice.
 */
export function isCacheableCompletion(completion: ChatCompletion, cfg: Pick<CacheConfig, 'cacheLengthFinish'>): boolean {
  if (!Array.isArray(completion.choices) || completion.choices.length === 0) return false;
  for (const choice of completion.choices) {
    const reason = choice.finish_reason;
    if (reason === null || reason === undefined) return false;
    if (FINISHED.has(reason)) continue;
    if (reason === 'length' && cfg.cacheLengthFinish) continue;
    return false;
  }
  return true;
}
