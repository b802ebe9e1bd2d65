import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { RouteDecision } from '../routing/decide.js';
import type { ChatRequest } from './schema.js';

/**
 * A chat request worked out as far as it can be without the upstream: validated, routed, and (when the cache
 * may hold its answer) keyed. Working it out costs more than serving a cache hit (zod, the gate's cue scan, the
 * adapted bodies and a SHA-256 over their canonical JSON), so the route remembers it by a digest of the request's
 * exact bytes: a repeat — the one request a cache can answer — skips straight to the lookup.
 */
export interface PreparedChat {
  chat: ChatRequest;
  decision: RouteDecision;
  /** The gate threshold the decision was made at: a remembered decision holds only while the threshold does. */
  threshold: number;
  /** Store key of the routed tier, and the keys to read in order (with the cross-tier one). */
  cacheKeys: CacheKeys;
}

export interface CacheKeys {
  key: string;
  lookupKeys: string[];
}

/**
 * Everything besides the body that shapes a prepared request: the cache scope (tenant) and the route header.
 * The digest covers them with the body, so two tenants sending the same bytes never share an entry.
 */
export interface PrepareContext {
  scope: string;
  routeHeader: string;
}

/** Heap charged per entry beyond the body: the digest key, the decision, the keys, the LRU slot. */
const ENTRY_OVERHEAD_BYTES = 640;
/** A parsed and validated body holds its strings plus object headers: about three times the JSON text. */
const HEAP_PER_BODY_CHAR = 3;

/** A bounded memo of prepared requests, keyed by `digest(scope, route header, body bytes)`. Pure: no I/O. */
export class PreparedChatMemo {
  private readonly lru: LRUCache<string, PreparedChat>;

  constructor(readonly maxBytes: number) {
    this.lru = new LRUCache<string, PreparedChat>({
      maxSize: maxBytes,
      // One huge prompt must not flush the memo of every small repeated one.
      maxEntrySize: Math.max(1, Math.floor(maxBytes / 16)),
    });
  }

  /**
   * SHA-256 rather than the body itself as the map key: V8 hashes a long string by its length alone. Lengths
   * prefix the context fields, so no choice of them can run into the next.
   */
  static digest(context: PrepareContext, raw: string): string {
    const { scope, routeHeader } = context;
    return hash('sha256', `${scope.length}:${scope}${routeHeader.length}:${routeHeader}${raw}`, 'base64');
  }

  /** The remembered request, if it was prepared at this same threshold. */
  get(digest: string, threshold: number): PreparedChat | undefined {
    const entry = this.lru.get(digest);
    return entry !== undefined && entry.threshold === threshold ? entry : undefined;
  }

  /** `bodyLength`: the raw body's length in characters, what the entry's heap is charged from. */
  set(digest: string, entry: PreparedChat, bodyLength: number): void {
    this.lru.set(digest, entry, { size: HEAP_PER_BODY_CHAR * bodyLength + ENTRY_OVERHEAD_BYTES });
  }

  get size(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }
}
