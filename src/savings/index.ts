import type { FastifyBaseLogger } from 'fastify';
import type { RequestObserver, RequestRecord } from '../core/record.js';
import type { Config } from '../config/schema.js';
import { accountRequest, learnFrom, type Accounting } from './accounting.js';
import { ExpansionModel } from './expansion.js';
import { Ledger } from './ledger.js';
import { GatewayMetrics } from './metrics.js';
import { PriceBook } from './prices.js';
import { RedisLedgerStore } from './redis-store.js';
import { MemoryLedgerStore, type LedgerStore } from './store.js';
import { nanoToUsd } from './prices.js';
import { ThrottledWarning } from '../redis/client.js';
import { scrapedGauge } from './scrape-series.js';
import type { ReasoningSpend, ThresholdController } from '../gate/controller.js';

export type { Accounting } from './accounting.js';

/** Called after accounting, with the figures (the per-request log line is one). */
export type AccountedObserver = (record: RequestRecord, accounting: Accounting) => void;

/** Everything savings-related one app owns: created by `buildApp`, closed with it. */
export interface Savings {
  prices: PriceBook;
  expansion: ExpansionModel;
  ledger: Ledger;
  metrics: GatewayMetrics;
  /** The request observer: accounts the record, then feeds the expansion model, ledger, metrics and `then`. */
  observer(...then: AccountedObserver[]): RequestObserver;
  close(): Promise<void>;
}

/**
 * Feeds the gate's budget controller with what reasoning calls really spent; `/metrics` reads the threshold it
 * then applies at scrape time. Cache hits spent nothing upstream.
 */
export function reasoningSpendObserver(
  controller: ThresholdController,
  metrics: GatewayMetrics,
  /** Where the spend goes instead of the controller directly: the fleet's budget (FleetReasoningSpend.record). */
  record: (spend: ReasoningSpend) => void = (spend) => controller.recordReasoningSpend(spend),
): AccountedObserver {
  metrics.watchThreshold(() => controller.effectiveThreshold());
  return (r, accounting) => {
    if (r.route === 'reasoning' && r.cache !== 'hit') {
      const t = accounting.upstreamTokens;
      record({ tokens: t.reasoning > 0 ? t.reasoning : t.completion, cost: nanoToUsd(accounting.costNano) });
    }
  };
}

export function createSavings(config: Config, reasoningModel: string, log: FastifyBaseLogger, clock: () => number = Date.now): Savings {
  const prices = new PriceBook(config.pricing);
  const s = config.savings;
  const expansion = new ExpansionModel({ prior: s.expansionPrior, latencyPriorMsPerToken: s.latencyPriorMsPerToken, minSamples: s.minSamples, bands: s.promptBands });
  const metrics = new GatewayMetrics(config.gate.threshold);
  const store: LedgerStore =
    config.redis.url === undefined
      ? new MemoryLedgerStore(s.recent, clock)
      : new RedisLedgerStore(config.redis.url, config.redis.keyPrefix, s.recent, Math.max(config.cache.redisTimeoutMs, 1_000), log);
  if (store instanceof RedisLedgerStore) {
    scrapedGauge(
      metrics.registry,
      'thinkgate_ledger_held_requests',
      "Requests counted in this replica's memory while Redis is unreachable, added to the fleet's totals once it is back.",
      () => store.heldCount,
    );
  }
  const writeFailed = new ThrottledWarning((fields, message) => log.warn(fields, message), 'ledger write failed');
  const ledger = new Ledger(store, s.windows, (err) => {
    metrics.ledgerErrors.inc();
    writeFailed.failed(err, { store: store.kind });
  }, clock, s.historyDays);
  const deps = { prices, expansion, reasoningModel };

  return {
    prices,
    expansion,
    ledger,
    metrics,
    observer: (...then) => (record) => {
      const accounting = accountRequest(record, deps);
      learnFrom(record, accounting, expansion);
      ledger.record(record, accounting);
      metrics.observe(record, accounting);
      for (const next of then) next(record, accounting);
    },
    close: async () => {
      await ledger.flush();
      await store.close();
    },
  };
}
