import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * Series read from a component's own `stats()` when Prometheus scrapes, so nothing runs per request. Shared by the
 * cache's and the session store's series.
 */

/** A gauge set from `read()` at scrape time; `read` returning undefined leaves it without a value. */
export function scrapedGauge(registry: Registry, name: string, help: string, read: () => number | undefined): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      const value = read();
      if (value !== undefined) this.set(value);
    },
  });
}

/** A counter following a running total that `read()` returns: at each scrape it adds what the total grew by. */
export function scrapedCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let reported = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const total = read();
      if (total > reported) this.inc(total - reported);
      reported = total;
    },
  });
}
