import { Counter, Gauge, Registry } from 'prom-client';
import { DeferredCounter, DeferredHistogram, type CounterCell, type HistogramCell } from './deferred-metrics.js';
import type { RequestRecord } from '../core/record.js';
import type { Accounting } from './accounting.js';
import type { BreakerState, CircuitBreaker } from '../upstream/breaker.js';
import { nanoToUsd } from './prices.js';

/** The series one (route, model) pair writes to, found with two map lookups and no string building per request. */
interface RouteModelCells {
  promptTokens: CounterCell;
  completionTokens: CounterCell;
  reasoningTokens: CounterCell;
  cost: CounterCell;
  upstreamLatency: HistogramCell;
}

/** The series one route writes to. */
interface RouteCells {
  savedCost: CounterCell;
  savedTotal: CounterCell;
  savedReasoning: CounterCell;
  gateScore: HistogramCell;
  firstByte: HistogramCell;
  /** status → cache status → requests series. */
  requests: Map<number, Map<string, CounterCell>>;
  models: Map<string, RouteModelCells>;
}

const LATENCY_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320];
const SCORE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

/**
 * Prometheus metrics on a registry of this app's own (many apps share one test process; the global default
 * registry would mix them). Per replica: Prometheus sums replicas itself. Saved-* series are estimates.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: DeferredCounter<'route' | 'status' | 'cache' | 'api'>;
  private readonly tokens: DeferredCounter<'route' | 'model' | 'type'>;
  private readonly cost: DeferredCounter<'route' | 'model'>;
  private readonly savedCost: DeferredCounter<'route'>;
  private readonly savedTokens: DeferredCounter<'route' | 'type'>;
  private readonly estimatedUsage: Counter;
  private readonly gateScore: DeferredHistogram<'route'>;
  /** Read at scrape time: the gate controller's live threshold. */
  private thresholdSource: () => number;
  private readonly routes = new Map<string, RouteCells>();
  private readonly upstreamLatency: DeferredHistogram<'route' | 'model'>;
  private readonly firstByte: DeferredHistogram<'route'>;
  /** Requests in progress, read at scrape time (the /v1 in-flight limiter's count; 0 until one is watched). */
  private inFlightSource: () => number = () => 0;
  readonly ledgerErrors: Counter;
  private readonly fallbacks: Counter<'from' | 'to'>;

  constructor(initialThreshold: number) {
    const registers = [this.registry];
    this.requests = new DeferredCounter({ name: 'thinkgate_requests_total', help: 'Requests by route, HTTP status, cache status and wire API (chat, responses).', labelNames: ['route', 'status', 'cache', 'api'], registers });
    this.tokens = new DeferredCounter({ name: 'thinkgate_tokens_total', help: 'Tokens spent upstream, by type (prompt, completion, reasoning; reasoning is part of completion).', labelNames: ['route', 'model', 'type'], registers });
    this.cost = new DeferredCounter({ name: 'thinkgate_cost_usd_total', help: 'Upstream spend in USD at configured prices.', labelNames: ['route', 'model'], registers });
    this.savedCost = new DeferredCounter({ name: 'thinkgate_saved_cost_usd_total', help: 'Estimated USD saved against always-reasoning (counterfactual; see docs/savings.md).', labelNames: ['route'], registers });
    this.savedTokens = new DeferredCounter({ name: 'thinkgate_saved_tokens_total', help: 'Estimated tokens saved against always-reasoning (type total or reasoning).', labelNames: ['route', 'type'], registers });
    this.estimatedUsage = new Counter({ name: 'thinkgate_usage_estimated_total', help: 'Requests whose token counts were estimated by the gateway tokenizer (no upstream usage).', registers });
    this.gateScore = new DeferredHistogram({ name: 'thinkgate_gate_score', help: 'Gate complexity score of each chat request, by the route taken.', buckets: SCORE_BUCKETS, registers });
    this.thresholdSource = () => initialThreshold;
    const threshold = (): number => this.thresholdSource();
    new Gauge({
      name: 'thinkgate_gate_threshold',
      help: 'Current gate threshold: scores at or above go to reasoning.',
      registers,
      collect() {
        const value = threshold();
        if (Number.isFinite(value)) this.set(value);
      },
    });
    this.upstreamLatency = new DeferredHistogram({ name: 'thinkgate_upstream_latency_seconds', help: 'Total latency of chat requests answered by an upstream (not cache hits).', buckets: LATENCY_BUCKETS_S, registers });
    this.firstByte = new DeferredHistogram({ name: 'thinkgate_time_to_first_byte_seconds', help: 'Time from request start to the first byte sent to the client.', buckets: LATENCY_BUCKETS_S, registers });
    const inFlight = (): number => this.inFlightSource();
    new Gauge({
      name: 'thinkgate_requests_in_flight',
      help: 'Requests to /v1 (chat, responses and the rest) being handled right now.',
      registers,
      collect() {
        this.set(inFlight());
      },
    });
    this.ledgerErrors = new Counter({ name: 'thinkgate_ledger_write_errors_total', help: 'Ledger writes that failed (sent to Redis without an answer, or more held during an outage than the bound): stats undercount by at most this many requests.', registers });
    this.fallbacks = new Counter({ name: 'thinkgate_fallbacks_total', help: 'Requests served by the other tier because the decided one failed or its breaker was open.', labelNames: ['from', 'to'], registers });
  }

  /** Breaker state per upstream, read at scrape time: 0 closed, 1 half-open, 2 open. */
  watchBreakers(upstreams: Record<string, { breaker: CircuitBreaker }>): void {
    const code: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };
    new Gauge({
      name: 'thinkgate_upstream_breaker_state',
      help: 'Circuit breaker state per upstream tier: 0 closed, 1 half-open, 2 open.',
      labelNames: ['tier'],
      registers: [this.registry],
      collect() {
        for (const [tier, u] of Object.entries(upstreams)) this.set({ tier }, code[u.breaker.state]);
      },
    });
  }

  /** The in-flight gauge reads `source` at scrape time: the load-shedding limiter already counts every /v1 request. */
  watchInFlight(source: () => number): void {
    this.inFlightSource = source;
  }

  /** The gate controller's threshold, read at scrape time (it moves with traffic and spend, not per request). */
  watchThreshold(source: () => number): void {
    this.thresholdSource = source;
  }

  private routeCells(route: string): RouteCells {
    let cells = this.routes.get(route);
    if (cells === undefined) {
      cells = {
        savedCost: this.savedCost.cell({ route }),
        savedTotal: this.savedTokens.cell({ route, type: 'total' }),
        savedReasoning: this.savedTokens.cell({ route, type: 'reasoning' }),
        gateScore: this.gateScore.cell({ route }),
        firstByte: this.firstByte.cell({ route }),
        requests: new Map(),
        models: new Map(),
      };
      this.routes.set(route, cells);
    }
    return cells;
  }

  private requestCell(cells: RouteCells, route: string, status: number, cache: string, api: string): CounterCell {
    let byCache = cells.requests.get(status);
    if (byCache === undefined) {
      byCache = new Map();
      cells.requests.set(status, byCache);
    }
    // perf: Chat Completions' cells keep the cache status alone as their key (no string built per request).
    const key = api === 'chat' ? cache : `${cache}:${api}`;
    let cell = byCache.get(key);
    if (cell === undefined) {
      cell = this.requests.cell({ route, status: String(status), cache, api });
      byCache.set(key, cell);
    }
    return cell;
  }

  private modelCells(cells: RouteCells, route: string, model: string): RouteModelCells {
    let m = cells.models.get(model);
    if (m === undefined) {
      m = {
        promptTokens: this.tokens.cell({ route, model, type: 'prompt' }),
        completionTokens: this.tokens.cell({ route, model, type: 'completion' }),
        reasoningTokens: this.tokens.cell({ route, model, type: 'reasoning' }),
        cost: this.cost.cell({ route, model }),
        upstreamLatency: this.upstreamLatency.cell({ route, model }),
      };
      cells.models.set(model, m);
    }
    return m;
  }

  observe(r: RequestRecord, a: Accounting): void {
    const route = r.route;
    const cells = this.routeCells(route);
    this.requestCell(cells, route, r.status, r.cache, r.api).value += 1;
    cells.gateScore.observe(r.score);
    // Tokens, spend and upstream latency go to the (route, model) that answered; a cache hit spent nothing upstream
    // (its accounting has zero upstream tokens and cost). A series left at 0 is not exported.
    if (r.cache !== 'hit') {
      const m = this.modelCells(cells, route, r.upstreamModel);
      const t = a.upstreamTokens;
      m.promptTokens.value += t.prompt;
      m.completionTokens.value += t.completion;
      m.reasoningTokens.value += t.reasoning;
      if (a.costNano > 0) m.cost.value += nanoToUsd(a.costNano);
      m.upstreamLatency.observe(r.latencyMs / 1000);
    }
    // prom-client counters only go up; a negative estimate (direct dearer than reasoning) is left out of these two.
    if (a.savedCostNano > 0) cells.savedCost.value += nanoToUsd(a.savedCostNano);
    if (a.savedTokens > 0) cells.savedTotal.value += a.savedTokens;
    if (a.savedReasoningTokens > 0) cells.savedReasoning.value += a.savedReasoningTokens;
    if (a.usageEstimated) this.estimatedUsage.inc();
    if (r.ttfbMs !== null) cells.firstByte.observe(r.ttfbMs / 1000);
    if (r.fallback) this.fallbacks.inc({ from: route === 'reasoning' ? 'direct' : 'reasoning', to: route });
  }
}
