import { createHash } from 'node:crypto';
import type { Tier } from '../config/schema.js';

/**
 * The cache key: SHA-256 over a canonical JSON of the body one upstream would receive (its model, the history it
 * sees, every sampling and tool parameter, fields set by upstream params), plus the tier and the tenant scope.
 * Hashing the adapted body rather than the client's body means that whatever reaches the upstream is in the key,
 * and nothing else: the client's `model` alias only matters through the tier and upstream model it resolves to.
 */

/** Top-level fields that cannot change the answer: transport, identity and bookkeeping. */
const IGNORED_FIELDS: ReadonlySet<string> = new Set([
  'stream',
  'stream_options',
  'user',
  'metadata',
  'store',
  'safety_identifier',
  'prompt_cache_key',
  'request_id',
]);

/** Scope value when entries are shared across tenants. */
export const SHARED_SCOPE = '*';

/**
 * JSON with object keys sorted at every depth, `undefined` dropped as JSON.stringify does.
 * Arrays keep their order (message order and tool order change the answer).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const v: unknown = value[i];
      out += v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v);
    }
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined || typeof v === 'function') continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
}

/** The body minus fields that cannot change the answer; top-level `null` means "default", the same as absent. */
export function answerRelevantFields(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (IGNORED_FIELDS.has(k) || v === null || v === undefined) continue;
    out[k] = v;
  }
  return out;
}

export interface KeyInput {
  tier: Tier;
  /** The body as adapted for that tier's upstream (`adaptRequest`). */
  upstreamBody: Record<string, unknown>;
  /** Hashed tenant (`t_…`/`anonymous`) or SHARED_SCOPE. */
  scope: string;
}

/** `<tier>:<sha256 hex>`; the tier stays readable so stored entries can be inspected by tier. */
export function cacheKey(input: KeyInput): string {
  const hash = createHash('sha256')
    .update('thinkgate-cache-v1\n')
    .update(input.scope)
    .update('\n')
    .update(input.tier)
    .update('\n')
    .update(canonicalJson(answerRelevantFields(input.upstreamBody)))
    .digest('hex');
  return `${input.tier}:${hash}`;
}
