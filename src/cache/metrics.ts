import { Counter, Gauge, type Registry } from 'prom-client';
import type { ResultCache } from './result-cache.js';

/**
 * Cache series on the app's metrics registry, read from `cache.stats()` at scrape time (nothing on the hot path).
 * Hit/miss/bypass per request are already in `thinkgate_requests_total{cache}`.
 */
export function registerCacheMetrics(registry: Registry, cache: ResultCache): void {
  const registers = [registry];
  new Gauge({
    name: 'thinkgate_cache_entries',
    help: 'Entries in the in-process cache (the near-cache with the redis store).',
    registers,
    collect() {
      this.set(cache.stats().entries);
    },
  });
  new Gauge({
    name: 'thinkgate_cache_bytes',
    help: 'Bytes accounted to the in-process cache entries (bounded by cache.maxBytes / nearCacheMaxBytes).',
    registers,
    collect() {
      this.set(cache.stats().bytes);
    },
  });
  new Gauge({
    name: 'thinkgate_cache_redis_up',
    help: '1 when the redis cache store is connected; 0 while it is down (cache bypassed). Absent value with the memory store.',
    registers,
    collect() {
      const redis = cache.stats().redis;
      if (redis !== undefined) this.set(redis.up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'thinkgate_cache_memo_entries',
    help: 'Prepared requests remembered by digest of their bytes (a repeat skips validation, the gate and key hashing).',
    registers,
    collect() {
      const memo = cache.stats().memo;
      if (memo !== null) this.set(memo.entries);
    },
  });
  new Gauge({
    name: 'thinkgate_cache_memo_bytes',
    help: 'Bytes charged to the prepared-request memo (bounded by cache.memoMaxBytes).',
    registers,
    collect() {
      const memo = cache.stats().memo;
      if (memo !== null) this.set(memo.bytes);
    },
  });
  let reportedErrors = 0;
  new Counter({
    name: 'thinkgate_cache_redis_errors_total',
    help: 'Failed or timed-out redis cache commands and connection errors.',
    registers,
    collect() {
      const errors = cache.stats().redis?.errors ?? 0;
      if (errors > reportedErrors) this.inc(errors - reportedErrors);
      reportedErrors = errors;
    },
  });
  let reportedCoalesced = 0;
  new Counter({
    name: 'thinkgate_cache_coalesced_total',
    help: 'Requests served by an identical request in flight (single-flight followers): upstream calls saved.',
    registers,
    collect() {
      const coalesced = cache.stats().coalesced;
      if (coalesced > reportedCoalesced) this.inc(coalesced - reportedCoalesced);
      reportedCoalesced = coalesced;
    },
  });
}
