import type { Config, Tier } from './config/schema.js';
import type { Gate } from './gate/types.js';
import type { ThresholdController } from './gate/controller.js';
import type { TiersConfig } from './gate/tiers.js';
import type { UpstreamClient } from './upstream/client.js';
import type { RequestObserver } from './core/record.js';
import type { KeyRing } from './http/auth.js';
import type { ResultCache } from './cache/result-cache.js';
import type { Savings } from './savings/index.js';
import type { SessionStore } from './gate/session-store.js';

/** What `buildApp` creates once and every route reads: no module-level state anywhere. */
export interface GatewayContext {
  config: Config;
  mode: 'demo' | 'configured';
  gate: Gate;
  /** The gate's live threshold: target share and reasoning budget (src/gate/controller.ts). */
  controller: ThresholdController;
  /** Graded tiers, when `gate.tiers` is configured. */
  tiers: TiersConfig | undefined;
  upstreams: Record<Tier, UpstreamClient>;
  keys: KeyRing;
  /** Called once per finished chat request (log line, ledger, metrics). */
  observers: RequestObserver[];
  /** The result cache; `cache.stats()` has its hit/miss counters. */
  cache: ResultCache;
  /** Prices, counterfactual, ledger and Prometheus metrics (src/savings). */
  savings: Savings;
  /** Session affinity's store (`gate.session`); undefined when the policy is `off`. */
  sessions: SessionStore | undefined;
}
