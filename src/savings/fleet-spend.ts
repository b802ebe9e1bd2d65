import type { Redis } from 'ioredis';
import type { ReasoningSpend } from '../gate/controller.js';
import { closeRedis, failFastRedisOptions, newRedis } from '../redis/client.js';

export interface FleetSpendOptions {
  url: string;
  /** `redis.keyPrefix` + `budget:` */
  keyPrefix: string;
  /** Where every spend ends up: the local threshold controller's `recordReasoningSpend`. */
  apply: (spend: ReasoningSpend) => void;
  commandTimeoutMs: number;
  /** How often the fleet's hour total is read (ms); default 1 000. */
  pollMs?: number;
  /** Wall clock in ms (tests); default Date.now. */
  clock?: () => number;
}

const HOUR_MS = 3_600_000;
const NANO = 1e9;

/**
 * The reasoning budget (`gate.reasoningBudget`) as the fleet's. Why: each replica's controller summed only its own
 * calls, so N replicas spent N times the configured hourly budget before their thresholds rose (and an autoscaler
 * changing N changed the budget). Each replica adds its spend into one Redis hash per clock hour (integers: tokens,
 * nano-USD; expires after two hours) and, every `pollMs`, reads the hour's total and hands its controller what the
 * other replicas spent since the last read. Its own spend reaches its controller at once, as without Redis.
 * Never over-counts: the others' part is the total minus this replica's own spend counted so far, and a write of
 * this replica's not yet in the total only delays the others' part. While Redis is down, each replica goes on with
 * what it knows (its own spend): the budget degrades to per replica, never to none.
 */
export class FleetReasoningSpend {
  private readonly redis: Redis;
  private readonly timer: NodeJS.Timeout;
  private readonly clock: () => number;
  private hour: number;
  /** This replica's spend in `hour`, as written (tokens, nano-USD). */
  private own = { tokens: 0, nano: 0 };
  /** The other replicas' spend in `hour` already handed to the controller. */
  private others = { tokens: 0, nano: 0 };

  constructor(private readonly opts: FleetSpendOptions) {
    this.clock = opts.clock ?? Date.now;
    this.hour = Math.floor(this.clock() / HOUR_MS);
    this.redis = newRedis(opts.url, failFastRedisOptions(opts.commandTimeoutMs));
    this.redis.on('error', () => {}); // the cache and ledger stores report Redis trouble
    this.timer = setInterval(() => void this.poll(), opts.pollMs ?? 1_000);
    this.timer.unref();
  }

  private roll(): number {
    const hour = Math.floor(this.clock() / HOUR_MS);
    if (hour !== this.hour) {
      this.hour = hour;
      this.own = { tokens: 0, nano: 0 };
      this.others = { tokens: 0, nano: 0 };
    }
    return hour;
  }

  private key(hour: number): string {
    return `${this.opts.keyPrefix}${hour}`;
  }

  /** This replica's reasoning call: to its controller at once, and into the fleet's hour total. */
  record(spend: ReasoningSpend): void {
    this.opts.apply(spend);
    const hour = this.roll();
    const tokens = spend.tokens !== undefined && Number.isFinite(spend.tokens) && spend.tokens > 0 ? Math.round(spend.tokens) : 0;
    const nano = spend.cost !== undefined && Number.isFinite(spend.cost) && spend.cost > 0 ? Math.round(spend.cost * NANO) : 0;
    // Not connected: not written, so not part of the total either (the others' part stays right).
    if ((tokens === 0 && nano === 0) || this.redis.status !== 'ready') return;
    // Counted as written once sent: if the write was lost, the others' part only comes out smaller.
    this.own.tokens += tokens;
    this.own.nano += nano;
    const key = this.key(hour);
    this.redis
      .multi()
      .hincrby(key, 'tokens', tokens)
      .hincrby(key, 'nano', nano)
      .pexpire(key, 2 * HOUR_MS)
      .exec()
      .catch(() => {});
  }

  /** Reads the hour's fleet total and hands the controller what other replicas spent since the last read. */
  async poll(): Promise<void> {
    if (this.redis.status !== 'ready') return;
    const hour = this.roll();
    let total: Record<string, string>;
    try {
      total = await this.redis.hgetall(this.key(hour));
    } catch {
      return;
    }
    if (hour !== this.hour) return;
    const tokens = Math.max(0, Number(total['tokens'] ?? 0) - this.own.tokens - this.others.tokens);
    const nano = Math.max(0, Number(total['nano'] ?? 0) - this.own.nano - this.others.nano);
    if (!(tokens > 0) && !(nano > 0)) return;
    this.others.tokens += tokens;
    this.others.nano += nano;
    this.opts.apply({ tokens, cost: nano / NANO });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await closeRedis(this.redis);
  }
}
