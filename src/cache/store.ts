import { LRUCache } from 'lru-cache';
import { entrySize, type CacheEntry } from './entry.js';

/** A store lookup: the entry, a miss, or the store could not answer (Redis down: the cache is bypassed). */
export type StoreLookup = CacheEntry | null | 'unavailable';

export interface StoreStats {
  kind: 'memory' | 'redis';
  entries: number;
  bytes: number;
  maxBytes: number;
  /** `invalidations`: near-cache entries dropped because another replica wrote the key. */
  redis?: { status: string; up: boolean; errors: number; invalidations: number };
}

export interface CacheStore {
  /** The entry when this process holds it (the LRU, or Redis's near-cache); undefined says nothing about the store. */
  peek(key: string): CacheEntry | undefined;
  get(key: string): Promise<StoreLookup>;
  set(key: string, entry: CacheEntry): Promise<void>;
  stats(): StoreStats;
  close(): Promise<void>;
}

/** In-process LRU bounded by bytes and TTL; also the near-cache in front of Redis. */
export class MemoryStore implements CacheStore {
  private readonly lru: LRUCache<string, CacheEntry>;

  private readonly ttlMs: number;

  constructor(readonly maxBytes: number, ttlSeconds: number) {
    this.ttlMs = ttlSeconds * 1000;
    this.lru = new LRUCache<string, CacheEntry>({
      maxSize: maxBytes,
      // An entry bigger than a quarter of the store would evict a crowd of others for one answer.
      maxEntrySize: Math.max(1, Math.floor(maxBytes / 4)),
      sizeCalculation: (entry, key) => entrySize(key, entry),
      ttl: ttlSeconds * 1000,
      updateAgeOnGet: false,
    });
  }

  peek(key: string): CacheEntry | undefined {
    return this.lru.get(key);
  }

  async get(key: string): Promise<StoreLookup> {
    return this.lru.get(key) ?? null;
  }

  /** `ttlMs`: this entry's own time to live, when shorter than the store's. */
  put(key: string, entry: CacheEntry, ttlMs?: number): void {
    this.lru.set(key, entry, ttlMs === undefined ? undefined : { ttl: Math.min(ttlMs, this.ttlMs) });
  }

  /** Drops the entry; true when there was one. */
  delete(key: string): boolean {
    return this.lru.delete(key);
  }

  /** Drops every entry (the near-cache, after missing other replicas' writes). */
  clear(): void {
    this.lru.clear();
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    this.lru.set(key, entry);
  }

  stats(): StoreStats {
    return { kind: 'memory', entries: this.lru.size, bytes: this.lru.calculatedSize, maxBytes: this.maxBytes };
  }

  async close(): Promise<void> {
    this.lru.clear();
  }
}
