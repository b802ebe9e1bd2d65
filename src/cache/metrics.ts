import type { Registry } from 'prom-client';
import { scrapedCounter, scrapedGauge } from '../savings/scrape-series.js';
import type { CacheStats, ResultCache } from './result-cache.js';

/**
 * Cache series on the app's metrics registry, read from `cache.stats()` at scrape time (nothing on the hot path).
 * Hit/miss/bypass per request are already in `thinkgate_requests_total{cache}`.
 */
export function registerCacheMetrics(registry: Registry, cache: ResultCache): void {
  const statGauge = (name: string, help: string, read: (stats: CacheStats) => number | undefined): void =>
    scrapedGauge(registry, name, help, () => read(cache.stats()));
  statGauge('thinkgate_cache_entries', 'Entries in the in-process cache (the near-cache with the redis store).', (s) => s.entries);
  statGauge('thinkgate_cache_bytes', 'Bytes accounted to the in-process cache entries (bounded by cache.maxBytes / nearCacheMaxBytes).', (s) => s.bytes);
  // Only with the Redis store: an unset gauge would print 0, and an alert on "redis down" would fire without Redis.
  if (cache.stats().kind === 'redis') {
    statGauge('thinkgate_cache_redis_up', '1 when the redis cache store is connected; 0 while it is down (cache bypassed).', (s) => (s.redis?.up === true ? 1 : 0));
  }
  statGauge(
    'thinkgate_cache_memo_entries',
    'Prepared requests remembered by their bytes (a repeat skips validation, the gate and key hashing).',
    (s) => s.memo?.entries,
  );
  statGauge('thinkgate_cache_memo_bytes', 'Bytes charged to the prepared-request memo (bounded by cache.memoMaxBytes).', (s) => s.memo?.bytes);
  const statCounter = (name: string, help: string, read: (stats: CacheStats) => number): void =>
    scrapedCounter(registry, name, help, () => read(cache.stats()));
  statCounter('thinkgate_cache_redis_errors_total', 'Failed or timed-out redis cache commands and connection errors.', (s) => s.redis?.errors ?? 0);
  statCounter(
    'thinkgate_cache_coalesced_total',
    'Requests served by an identical request in flight (single-flight followers): upstream calls saved.',
    (s) => s.coalesced,
  );
}
