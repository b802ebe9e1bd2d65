import type { Redis } from 'ioredis';
import { closeRedis, newRedis, type RedisHealthLog } from '../redis/client.js';
import { addInto, fieldIncrements, type CellIncrements } from './cells.js';
import type { BucketRef, LedgerStore, RecentRequest, RecentSource } from './store.js';

/**
 * Fleet-wide ledger: every replica adds its requests into the same Redis hashes (HINCRBY on integers, so the
 * sums are exact whatever the order), and `/v1/stats` on any replica reads the fleet total. One request is one
 * round trip: a Lua script adds the fields into every bucket, sets the window slots' expiry and pushes the
 * recent row.
 */

// KEYS: bucket hashes…, recent list. ARGV: nBuckets, ttl per bucket ('' = none), recent JSON ('' = none), recent cap, field, value, …
const ADD_SCRIPT = `
local n = tonumber(ARGV[1])
local first = n + 4
for b = 1, n do
  for i = first, #ARGV, 2 do
    redis.call('HINCRBY', KEYS[b], ARGV[i], ARGV[i + 1])
  end
  if ARGV[1 + b] ~= '' then redis.call('EXPIRE', KEYS[b], tonumber(ARGV[1 + b])) end
end
if ARGV[n + 2] ~= '' then
  redis.call('LPUSH', KEYS[n + 1], ARGV[n + 2])
  redis.call('LTRIM', KEYS[n + 1], 0, tonumber(ARGV[n + 3]) - 1)
end
return n
`;

type AddCommand = (keys: number, ...args: string[]) => Promise<unknown>;

/** Increments kept while Redis was unreachable, summed per set of buckets (a new set each time a window slot turns). */
interface HeldIncrements {
  buckets: readonly BucketRef[];
  fields: Map<string, number>;
}

/** Most bucket sets held during an outage (one per minute with the default windows: about a week). */
const MAX_HELD_SETS = 10_000;

export class RedisLedgerStore implements LedgerStore {
  readonly kind = 'redis';
  private readonly redis: Redis;
  private readonly prefix: string;
  /**
   * Writes that were never sent because Redis was not connected, kept until it is: summed by bucket set, with their
   * recent rows (the newest `recentLimit`). Why: they were dropped, so after an outage the fleet's totals lacked every
   * request the replicas had answered meanwhile, for good. Only writes certainly not sent are kept (the client was
   * not connected when they were made): a write sent whose reply was lost may have run, and is never sent again.
   */
  private readonly held = new Map<string, HeldIncrements>();
  private heldRecent: RecentRequest[] = [];
  /** Requests in `held` (the `thinkgate_ledger_held_requests` gauge). */
  private heldRequests = 0;
  private draining: Promise<void> | null = null;

  constructor(
    url: string,
    keyPrefix: string,
    private readonly recentLimit: number,
    /** Longest wait for any one command, queued or sent (ms). */
    commandTimeoutMs = 1_000,
    private readonly log?: RedisHealthLog,
  ) {
    this.prefix = `${keyPrefix}ledger:`;
    // No offline queue build-up without bound: a command waits at most for one reconnect, then fails (and is logged).
    // The command timeout bounds the rest: a Redis that keeps the connection open and never answers (frozen, or a
    // network partition) otherwise held every write forever, and with them /v1/stats (which first waits for this
    // replica's writes) and app.close() (which flushes them).
    // A write is never sent again after a reconnect: when the connection drops between Redis running it and its reply,
    // ioredis' default re-sent it and the request was counted twice, silently. Now its outcome is unknown, it times
    // out and is counted as a failed write: the ledger may under-count, by the figure it reports, never over-count.
    this.redis = newRedis(url, { maxRetriesPerRequest: 1, lazyConnect: false, commandTimeout: commandTimeoutMs, autoResendUnfulfilledCommands: false });
    this.redis.defineCommand('thinkgateLedgerAdd', { lua: ADD_SCRIPT });
    // Connection errors surface as failed commands; the default handler would print every reconnect attempt.
    this.redis.on('error', () => {});
    // The fleet's "since": set by the first replica that connects (NX), again after Redis came back empty. Why:
    // each replica reported its own start as the start of totals that every replica had been adding to, so
    // `/v1/stats` on two replicas gave two different "since" for the same figures.
    this.redis.on('ready', () => {
      this.redis.set(`${this.prefix}since`, new Date().toISOString(), 'NX').catch(() => {});
      void this.drain();
    });
  }

  /** Requests counted here while Redis was unreachable, not yet written (they are once it is back). */
  get heldCount(): number {
    return this.heldRequests;
  }

  private hold(increments: CellIncrements, buckets: readonly BucketRef[], recent: RecentSource | null): void {
    if (this.heldRequests === 0) this.log?.warn({ store: 'redis' }, 'ledger: redis unavailable, counting in memory until it is back');
    const id = buckets.map((b) => b.id).join('|');
    let group = this.held.get(id);
    if (group === undefined) {
      if (this.held.size >= MAX_HELD_SETS) throw new Error(`redis unreachable; ${MAX_HELD_SETS} minutes of ledger writes already held`);
      group = { buckets, fields: new Map() };
      this.held.set(id, group);
    }
    addInto(group.fields, fieldIncrements(increments));
    this.heldRequests++;
    if (recent !== null && this.recentLimit > 0) {
      this.heldRecent.push(recent());
      if (this.heldRecent.length > this.recentLimit) this.heldRecent.shift();
    }
  }

  /** Writes what was held, oldest first, once connected. A group whose write fails is dropped (its outcome is unknown). */
  private drain(): Promise<void> {
    if (this.draining !== null) return this.draining;
    // The first await lets `draining` be assigned before the finally clears it (a drain with nothing to do).
    const run = (async () => {
      await Promise.resolve();
      const requests = this.heldRequests;
      try {
        while (this.held.size > 0 && this.redis.status === 'ready') {
          const [id, group] = this.held.entries().next().value as [string, HeldIncrements];
          this.held.delete(id);
          await this.send(group.buckets, group.fields, null);
        }
        if (this.heldRecent.length > 0 && this.redis.status === 'ready') {
          const rows = this.heldRecent.map((r) => JSON.stringify(r));
          this.heldRecent = [];
          const key = `${this.prefix}recent`;
          await this.redis.multi().lpush(key, ...rows).ltrim(key, 0, Math.max(1, this.recentLimit) - 1).exec();
        }
        if (this.held.size === 0 && requests > 0) this.log?.info({ requests }, 'ledger: redis is reachable again; what was counted meanwhile is added');
      } catch (err) {
        // Sent, then failed: whether Redis ran it is unknown, so it is not sent again.
        this.log?.warn({ err: err instanceof Error ? err.message : String(err) }, 'ledger: adding what was counted while redis was down failed');
      } finally {
        if (this.held.size === 0) this.heldRequests = 0;
        this.draining = null;
      }
    })();
    this.draining = run;
    return run;
  }

  private async send(buckets: readonly BucketRef[], fields: ReadonlyMap<string, number>, recent: string | null): Promise<void> {
    const keys = buckets.map((b) => this.prefix + b.id);
    keys.push(`${this.prefix}recent`);
    const args: string[] = [String(buckets.length), ...buckets.map((b) => (b.ttlSeconds === null ? '' : String(b.ttlSeconds)))];
    args.push(recent ?? '', String(Math.max(1, this.recentLimit)));
    for (const [field, value] of fields) args.push(field, String(value));
    const command = (this.redis as unknown as Record<string, AddCommand>).thinkgateLedgerAdd as AddCommand;
    await command.call(this.redis, keys.length, ...keys, ...args);
  }

  async since(): Promise<string | null> {
    this.connected();
    return this.redis.get(`${this.prefix}since`);
  }

  async add(increments: CellIncrements, buckets: readonly BucketRef[], recent: RecentSource | null): Promise<void> {
    // Not connected: the write cannot have been sent, so it is kept and sent once Redis is back (see `held`).
    if (this.redis.status !== 'ready') {
      this.hold(increments, buckets, recent);
      return;
    }
    await this.send(buckets, fieldIncrements(increments), recent === null || this.recentLimit === 0 ? null : JSON.stringify(recent()));
  }

  /**
   * Reads fail at once while the client is not connected. Why: they waited in the offline queue for the command
   * timeout (1 s), so every `/v1/stats` poll during an outage took seconds to say 503, one read after another.
   */
  private connected(): void {
    if (this.redis.status !== 'ready') throw new Error(`redis not connected (${this.redis.status})`);
  }

  async read(bucketIds: readonly string[]): Promise<Map<string, number>> {
    const sum = new Map<string, number>();
    for (const fields of await this.readEach(bucketIds)) for (const [field, n] of fields) sum.set(field, (sum.get(field) ?? 0) + n);
    return sum;
  }

  /** One pipelined round trip for all the buckets (the daily series reads a few hundred). */
  async readEach(bucketIds: readonly string[]): Promise<Map<string, number>[]> {
    this.connected();
    const pipeline = this.redis.pipeline();
    for (const id of bucketIds) pipeline.hgetall(this.prefix + id);
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, value]) => {
      if (err) throw err;
      const fields = new Map<string, number>();
      for (const [field, raw] of Object.entries(value as Record<string, string>)) {
        const n = Number(raw);
        if (Number.isFinite(n)) fields.set(field, n);
      }
      return fields;
    });
  }

  async recent(): Promise<RecentRequest[]> {
    if (this.recentLimit === 0) return [];
    this.connected();
    const rows = await this.redis.lrange(`${this.prefix}recent`, 0, this.recentLimit - 1);
    const out: RecentRequest[] = [];
    for (const row of rows) {
      try {
        out.push(JSON.parse(row) as RecentRequest);
      } catch {
        // A row another version wrote in a shape we cannot read: skip it rather than fail the whole stats call.
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }
}
