import type { ChatCompletion } from '../core/types.js';
import type { CacheConfig } from '../config/schema.js';

/**
 * What may be read from and written to the cache. Pure: the route passes the request fields and header.
 * `read`: a stored answer may serve this request. `write`: this request's answer may be stored.
 * `status` is what the client sees in `x-thinkgate-cache` when nothing is found.
 */
export interface CachePolicy {
  readonly read: boolean;
  readonly write: boolean;
  /** Why the cache is bypassed (log/debug); null when it is used. */
  readonly reason: string | null;
}

export interface PolicyRequest {
  temperature?: number | null | undefined;
  seed?: unknown;
  /** The `Cache-Control` request header, raw; ignored when `cacheFlags` is given. */
  cacheControl?: string | string[] | undefined;
  /** The header already parsed by `cacheControlFlags` (perf: a request's header is parsed once, not per question). */
  cacheFlags?: number | undefined;
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

/** `Cache-Control: no-store` (RFC 9111 §5.2.1.5): neither read nor write. */
export const NO_STORE = 1;
/** `Cache-Control: no-cache` (RFC 9111 §5.2.1.4), or `max-age=0`: ask the upstream again, store its answer. */
export const NO_CACHE = 2;

/** Flag of one directive, name `header[from, to)` and its argument `header[argFrom, argTo)` (empty when none), spaces
 * trimmed, case-insensitive (RFC 9111 §5.2). */
function directiveFlag(header: string, from: number, to: number, argFrom: number, argTo: number): number {
  while (from < to && (header.charCodeAt(from) === 32 || header.charCodeAt(from) === 9)) from++;
  while (to > from && (header.charCodeAt(to - 1) === 32 || header.charCodeAt(to - 1) === 9)) to--;
  const length = to - from;
  if (length === 7) {
    // `max-age=0` (RFC 9111 §5.2.1.1): no stored answer is fresh enough, so ask the upstream again — a refresh, as
    // `no-cache`. Browsers send it on a reload. Other ages are not honoured (entries carry no age to compare).
    return header.slice(from, to).toLowerCase() === 'max-age' && isZeroArgument(header, argFrom, argTo) ? NO_CACHE : 0;
  }
  if (length !== 8) return 0;
  const name = header.slice(from, to).toLowerCase();
  return name === 'no-store' ? NO_STORE : name === 'no-cache' ? NO_CACHE : 0;
}

/** `0` (or `"0"`, quoted as RFC 9110 allows for any argument) with optional spaces, also `00`: a delta-seconds of 0. */
function isZeroArgument(header: string, from: number, to: number): boolean {
  let digits = 0;
  for (let i = from; i < to; i++) {
    const c = header.charCodeAt(i);
    if (c === 48) digits++;
    else if (c !== 32 && c !== 9 && c !== 34) return false;
  }
  return digits > 0;
}

/**
 * The request directives the cache obeys, as `NO_STORE | NO_CACHE` bits (0: none). The same reading as
 * `cacheControlDirectives` (comma-separated, arguments after `=` ignored, case-insensitive) without building a Set:
 * the gateway asks this once per request and hands the bits to every later question.
 */
export function cacheControlFlags(header: string | string[] | undefined): number {
  if (header === undefined) return 0;
  if (typeof header !== 'string') {
    let flags = 0;
    for (const line of header) flags |= cacheControlFlags(line);
    return flags;
  }
  let flags = 0;
  let start = 0;
  let nameEnd = -1;
  for (let i = 0; i <= header.length; i++) {
    const c = i === header.length ? 44 : header.charCodeAt(i);
    if (c === 61 && nameEnd === -1) nameEnd = i; // '='
    else if (c === 44) {
      // ','
      flags |= directiveFlag(header, start, nameEnd === -1 ? i : nameEnd, nameEnd === -1 ? i : nameEnd + 1, i);
      start = i + 1;
      nameEnd = -1;
    }
  }
  return flags;
}

/** Deterministic enough that a stored answer is the answer: greedy sampling or a fixed seed. */
export function isDeterministic(req: PolicyRequest, cfg: Pick<CacheConfig, 'absentTemperatureIsDeterministic'>): boolean {
  if (req.seed !== undefined && req.seed !== null) return true;
  if (req.temperature === 0) return true;
  return (req.temperature === undefined || req.temperature === null) && cfg.absentTemperatureIsDeterministic;
}

// The policy's answers are few and immutable: shared, not allocated per request.
const DISABLED: CachePolicy = Object.freeze({ read: false, write: false, reason: 'disabled' });
const NO_STORE_POLICY: CachePolicy = Object.freeze({ read: false, write: false, reason: 'no-store' });
const NOT_DETERMINISTIC: CachePolicy = Object.freeze({ read: false, write: false, reason: 'not deterministic' });
const REFRESH: CachePolicy = Object.freeze({ read: false, write: true, reason: null });
const USE: CachePolicy = Object.freeze({ read: true, write: true, reason: null });

export function requestPolicy(req: PolicyRequest, cfg: CacheConfig): CachePolicy {
  if (!cfg.enabled) return DISABLED;
  const flags = req.cacheFlags ?? cacheControlFlags(req.cacheControl);
  if ((flags & NO_STORE) !== 0) return NO_STORE_POLICY;
  if (cfg.mode === 'deterministic' && !isDeterministic(req, cfg)) return NOT_DETERMINISTIC;
  // no-cache: revalidate, i.e. ask the upstream again and refresh the entry with its answer.
  if ((flags & NO_CACHE) !== 0) return REFRESH;
  return USE;
}

const FINISHED: ReadonlySet<string> = new Set(['stop', 'tool_calls', 'function_call']);

/**
 * Only whole answers: every choice finished for a reason that means "done" (`length` only when configured;
 * `content_filter` and unknown reasons never, they may be partial) and carries something — text, a refusal, tool
 * calls or audio. Errors and cut streams never get here with a finish reason on every choice; an upstream that says
 * `stop` over an empty message has failed in its own way, and a stored empty answer would be served again and again.
 */
export function isCacheableCompletion(completion: ChatCompletion, cfg: Pick<CacheConfig, 'cacheLengthFinish'>): boolean {
  if (!Array.isArray(completion.choices) || completion.choices.length === 0) return false;
  for (const choice of completion.choices) {
    const reason = choice.finish_reason;
    if (reason === null || reason === undefined) return false;
    if (!(FINISHED.has(reason) || (reason === 'length' && cfg.cacheLengthFinish))) return false;
    if (!carriesAnswer(choice.message)) return false;
  }
  return true;
}

function carriesAnswer(message: ChatCompletion['choices'][number]['message'] | undefined): boolean {
  if (message === undefined || message === null) return false;
  if (typeof message.content === 'string' && message.content !== '') return true;
  if (Array.isArray(message.content) && message.content.length > 0) return true;
  if (typeof message.refusal === 'string' && message.refusal !== '') return true;
  if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) return true;
  return (message.function_call !== undefined && message.function_call !== null) || (message.audio !== undefined && message.audio !== null);
}
