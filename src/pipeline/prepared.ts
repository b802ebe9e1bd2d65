import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { RouteDecision } from '../routing/decide.js';
import type { SessionOpening } from '../gate/session.js';

/**
 * A request worked out as far as it can be without the upstream: validated by its adapter, routed, and (when the
 * cache may hold its answer) keyed. Working it out costs more than serving a cache hit (zod, the gate's cue scan, the
 * adapted bodies and a SHA-256 over their canonical JSON), so the route remembers it by the request's exact bytes
 * (with its tenant and route header): a repeat — the one request a cache can answer — skips straight to the lookup.
 */
export interface PreparedRequest {
  /** The adapter's validated request (for chat, the canonical request itself); the adapter rebuilds its exchange from it. */
  validated: unknown;
  decision: RouteDecision;
  /** The gate threshold the decision was made at: a remembered decision holds only while the threshold does. */
  threshold: number;
  /** Store key of the routed tier, and the keys to read in order (with the cross-tier one). */
  cacheKeys: CacheKeys;
  /** The body's part of the session (its key without the tenant, new conversation or not); undefined when none applies. */
  session: SessionOpening | undefined;
}

export interface CacheKeys {
  key: string;
  lookupKeys: string[];
}

/**
 * Everything besides the body that shapes a prepared request: the cache scope (tenant) and the route header.
 * The memo key covers them with the body, so two tenants sending the same bytes never share an entry.
 */
export interface PrepareContext {
  /** The wire API (its bodies differ, and so do its answers). */
  api: string;
  scope: string;
  routeHeader: string;
}

/** Heap charged per entry beyond the body and the memo key: the decision, the cache keys, the LRU slot. */
const ENTRY_OVERHEAD_BYTES = 640;
/**
 * V8 hashes a string longer than this (`String::kMaxHashCalcLength`) by its length alone: every such key of one
 * length would share a hash bucket and be told apart by full comparisons. Longer keys are digested instead.
 */
const MAX_RAW_KEY_CHARS = 16_383;
/** A parsed and validated body holds its strings plus object headers: about three times the JSON text. */
const HEAP_PER_BODY_CHAR = 3;

/** A bounded memo of prepared requests, keyed by `keyOf(scope, route header, body bytes)`. Pure: no I/O. */
export class PreparedMemo {
  private readonly lru: LRUCache<string, PreparedRequest>;

  constructor(readonly maxBytes: number) {
    this.lru = new LRUCache<string, PreparedRequest>({
      maxSize: maxBytes,
      // One huge prompt must not flush the memo of every small repeated one.
      maxEntrySize: Math.max(1, Math.floor(maxBytes / 16)),
    });
  }

  /**
   * The memo key: the context fields and the body themselves, compared in full by the map (no digest can
   * collide), up to V8's hashing limit; a SHA-256 of them beyond it (perf: the digest cost ~1.7 µs per request,
   * more than the lookup it serves). Lengths prefix the context fields, so no choice of them can run into the next;
   * a raw key has a `:` after its leading digits, which base64 never has, so the two kinds never meet.
   */
  static keyOf(context: PrepareContext, raw: string): string {
    const { api, scope, routeHeader } = context;
    const key = `${api.length}:${api}${scope.length}:${scope}${routeHeader.length}:${routeHeader}${raw}`;
    return key.length <= MAX_RAW_KEY_CHARS ? key : hash('sha256', key, 'base64');
  }

  /** The remembered request, if it was prepared at this same threshold. */
  get(key: string, threshold: number): PreparedRequest | undefined {
    const entry = this.lru.get(key);
    return entry !== undefined && entry.threshold === threshold ? entry : undefined;
  }

  /** `bodyLength`: the raw body's length in characters, what the parsed entry's heap is charged from. */
  set(key: string, entry: PreparedRequest, bodyLength: number): void {
    // The key is kept too: up to 2 bytes a character (V8 stores non-Latin-1 text as UTF-16).
    this.lru.set(key, entry, { size: HEAP_PER_BODY_CHAR * bodyLength + 2 * key.length + ENTRY_OVERHEAD_BYTES });
  }

  get size(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }
}
