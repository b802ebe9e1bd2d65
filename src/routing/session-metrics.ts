import type { Registry } from 'prom-client';
import type { SessionStore } from '../gate/session-store.js';
import { scrapedCounter, scrapedGauge } from '../savings/scrape-series.js';

/**
 * The session store's series, read from `sessions.stats()` at scrape time (nothing per request):
 * - `thinkgate_session_entries`: sessions held in this process (the memory store's, or with Redis this replica's own
 *   copy of the sessions it served, which routes them while Redis is unreachable);
 * - `thinkgate_session_store_errors_total`: failed or timed-out session-store commands and lost connections. Each
 *   one made a request fall back to the replica's own copy, so an alert on its rate says session affinity is running
 *   on partial state (until now such errors were only logged, once per outage).
 */
export function registerSessionMetrics(registry: Registry, sessions: SessionStore): void {
  scrapedGauge(registry, 'thinkgate_session_entries', "Sessions held in this process (with Redis: this replica's own copy of the sessions it served).", () => sessions.stats().entries);
  scrapedCounter(registry, 'thinkgate_session_store_errors_total', 'Failed or timed-out session-store commands and lost connections (Redis store).', () => sessions.stats().errors);
}
