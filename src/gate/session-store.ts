import type { Redis } from 'ioredis';
import { closeRedis, failFastRedisOptions, newRedis, RedisHealth, waitForRedis, type RedisHealthLog } from '../redis/client.js';
import { LRUCache } from 'lru-cache';
import {
  applySession,
  isNewConversation,
  sessionKeyFor,
  sessionOpeningOf,
  userTurnCount,
  type FreshDecision,
  type SessionKey,
  type SessionKeyInput,
  type SessionKeySource,
  type SessionOpening,
  type SessionOutcome,
  type SessionPolicy,
  type SessionState,
} from './session.js';

/**
 * Where session states live: a bounded in-process LRU (one replica), or Redis (a fleet: every replica sees the same
 * sessions) with this replica's own copy of what it served beside it. Both expire a session `ttlSeconds` after its
 * last request. Redis trouble never fails a request: a failed or slow read falls back to the replica's own copy
 * (none: the fresh decision stands), and is counted and logged.
 */
export interface SessionStore {
  readonly kind: 'memory' | 'redis';
  /** The remembered state, or undefined (none, expired, or the store is unavailable). */
  get(key: string): SessionState | undefined | Promise<SessionState | undefined>;
  /**
   * Remembers the state and restarts the session's TTL. Never throws. `basis`: the state `state` was worked out from
   * (what `get` returned) and how to work it out again from another; a store shared by replicas writes only over that
   * basis, and when another replica moved the session meanwhile, rebases on what it wrote.
   */
  set(key: string, state: SessionState, basis?: SessionBasis): void | Promise<void>;
  stats(): SessionStoreStats;
  /** Resolves true once the store can answer (at once for memory), false after `timeoutMs`. */
  waitReady(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** What a session write was worked out from: see SessionStore.set. */
export interface SessionBasis {
  read: SessionState | undefined;
  /** The state to write over `current` instead (the policy applied to it); undefined writes nothing. */
  rebase(current: SessionState | undefined): SessionState | undefined;
}

export interface SessionStoreStats {
  kind: 'memory' | 'redis';
  /** Sessions held in this process (with Redis: this replica's own copy of the sessions it served). */
  entries?: number;
  errors: number;
}

function isRoute(value: unknown): value is SessionState['route'] {
  return value === 'reasoning' || value === 'direct';
}

/** Parses a stored state; anything malformed reads as "no session" rather than failing the request. */
export function decodeSessionState(text: string | null): SessionState | undefined {
  if (text === null) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const record = value as Record<string, unknown>;
    const effort = record['effort'];
    const turns = record['turns'];
    if (!isRoute(record['route']) || (effort !== undefined && effort !== 'low' && effort !== 'high')) return undefined;
    return { route: record['route'], effort, turns: typeof turns === 'number' && Number.isFinite(turns) ? turns : 1 };
  } catch {
    return undefined;
  }
}

export function encodeSessionState(state: SessionState): string {
  return JSON.stringify({ route: state.route, effort: state.effort, turns: state.turns });
}

export interface MemorySessionStoreOptions {
  ttlSeconds: number;
  /** Most sessions held; the least recently used go first. */
  maxEntries: number;
  /** Milliseconds clock for TTLs (tests); default performance.now. */
  clock?: () => number;
}

/** In-process sessions: a synchronous get, so a hit costs one map lookup. */
export class MemorySessionStore implements SessionStore {
  readonly kind = 'memory';
  private readonly cache: LRUCache<string, SessionState>;

  constructor(options: MemorySessionStoreOptions) {
    this.cache = new LRUCache<string, SessionState>({
      max: options.maxEntries,
      ttl: options.ttlSeconds * 1000,
      ttlAutopurge: false,
      ...(options.clock ? { perf: { now: options.clock }, ttlResolution: 0 } : {}),
    });
  }

  get(key: string): SessionState | undefined {
    return this.cache.get(key);
  }

  set(key: string, state: SessionState): void {
    this.cache.set(key, state);
  }

  stats(): SessionStoreStats {
    return { kind: 'memory', entries: this.cache.size, errors: 0 };
  }

  async waitReady(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.cache.clear();
  }
}

/** Where a store's warnings go (the app's logger). */
export type SessionStoreLog = RedisHealthLog;

export interface RedisSessionStoreOptions {
  url: string;
  /** `redis.keyPrefix` + `session:` */
  keyPrefix: string;
  ttlSeconds: number;
  /** A read slower than this falls back to this replica's own copy for that request. */
  commandTimeoutMs: number;
  /** Most sessions this replica keeps its own copy of (least recently used dropped first); default 100 000. */
  localMaxEntries?: number;
  log?: SessionStoreLog;
  /** How often at most "Redis is down" is logged while it stays down (default 30 s). */
  warnIntervalMs?: number;
}

/**
 * Shared sessions for a fleet: one GET per request, one SET PX (not awaited by callers that do not need to).
 * Every state this replica writes is also kept in its own memory (an LRU with the same TTL), which answers when Redis
 * cannot, or has nothing for the key. Why: a read that failed used to count as "no session", so while Redis was down
 * every conversation went back to being decided turn by turn (a task raised to reasoning fell back to direct
 * mid-conversation, the bounce `up-only` exists to prevent), silently: nothing was logged. And a Redis that came back
 * empty (no persistence) had forgotten every session; the replica that serves a conversation's next turn now writes
 * its copy back, so the rest of the fleet finds it again.
 */
/**
 * Writes ARGV[2] with a TTL of ARGV[3] ms only if the key still holds ARGV[1] ('' = absent): {0} when written, else
 * {1, what it holds}. KEYS[1]: the session.
 */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1]) or ''
if current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return {0}
end
return {1, current}
`;
/** Rebases after which a write gives up (each one means another replica wrote the same session in between). */
const MAX_REBASES = 3;

type CompareAndSet = (key: string, expected: string, next: string, ttlMs: string) => Promise<[number, string?]>;

export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis';
  private readonly redis: Redis;
  private readonly local: MemorySessionStore;
  private readonly health: RedisHealth;

  constructor(private readonly options: RedisSessionStoreOptions) {
    this.local = new MemorySessionStore({ ttlSeconds: options.ttlSeconds, maxEntries: options.localMaxEntries ?? 100_000 });
    // Fail fast instead of queueing: a request must not wait for a reconnect to be routed.
    this.redis = newRedis(options.url, failFastRedisOptions(options.commandTimeoutMs));
    this.redis.defineCommand('thinkgateSessionCas', { numberOfKeys: 1, lua: COMPARE_AND_SET });
    this.health = new RedisHealth(this.redis, 'sessions', "session affinity from this replica's own memory", options.log, options.warnIntervalMs);
  }

  /** Resolves true once connected, false after `timeoutMs`: startup never blocks on a missing Redis. */
  waitReady(timeoutMs: number): Promise<boolean> {
    return waitForRedis(this.redis, timeoutMs);
  }

  /**
   * Redis's state when it has one (another replica may have moved the session since this one last saw it), else
   * this replica's own copy: Redis is down or slow, or came back empty. The copy never outlives Redis's entry
   * otherwise: both were written together, with the same TTL, and a later write by another replica only lengthens
   * Redis's.
   */
  async get(key: string): Promise<SessionState | undefined> {
    if (this.redis.status !== 'ready') return this.local.get(key);
    try {
      return decodeSessionState(await this.redis.get(this.options.keyPrefix + key)) ?? this.local.get(key);
    } catch (err) {
      this.health.failed(err);
      return this.local.get(key);
    }
  }

  /**
   * With a `basis`, a compare-and-set: written only over the state it was worked out from. Why: two turns of one
   * session decided at once on two replicas both read the same state; the later write won, so a turn that stayed
   * direct overwrote the other's raise to reasoning, and the conversation bounced back to direct, which one replica
   * (whose memory store decides a session's turns one at a time) never does. Now the later write is rebased on
   * the earlier: the policy is applied again to what the other replica wrote.
   */
  async set(key: string, state: SessionState, basis?: SessionBasis): Promise<void> {
    this.local.set(key, state);
    if (this.redis.status !== 'ready') return;
    const redisKey = this.options.keyPrefix + key;
    const ttl = String(this.options.ttlSeconds * 1000);
    try {
      if (basis === undefined) {
        await this.redis.set(redisKey, encodeSessionState(state), 'PX', ttl);
        return;
      }
      const cas = (this.redis as unknown as Record<string, CompareAndSet>).thinkgateSessionCas as CompareAndSet;
      let expected = basis.read === undefined ? '' : encodeSessionState(basis.read);
      let next: SessionState | undefined = state;
      for (let attempt = 0; attempt <= MAX_REBASES && next !== undefined; attempt++) {
        const [conflict, current] = await cas.call(this.redis, redisKey, expected, encodeSessionState(next), ttl);
        if (conflict === 0) break;
        expected = current ?? '';
        // Nothing there (Redis came back empty, or the session just expired): this state, worked out from this
        // replica's own copy, is the best there is. Otherwise another replica moved the session: rebase on it.
        if (expected === '') continue;
        next = basis.rebase(decodeSessionState(expected));
        if (next !== undefined) this.local.set(key, next);
      }
    } catch (err) {
      this.health.failed(err);
    }
  }

  stats(): SessionStoreStats {
    return { kind: 'redis', entries: this.local.stats().entries, errors: this.health.errors };
  }

  async close(): Promise<void> {
    this.health.closed();
    await this.local.close();
    await closeRedis(this.redis);
  }
}

export interface SessionAffinityConfig {
  session: SessionPolicy;
  sessionTtlSeconds: number;
  sessionMaxEntries: number;
  sessionStore?: 'memory' | 'redis' | undefined;
}

/** The store the config asks for; undefined when the policy is `off`. Redis when `sessionStore` says so or, unset, when a Redis URL is configured. */
export function createSessionStore(
  gate: SessionAffinityConfig,
  redis: { url?: string | undefined; keyPrefix: string },
  commandTimeoutMs = 200,
  log?: SessionStoreLog,
): SessionStore | undefined {
  if (gate.session === 'off') return undefined;
  const kind = gate.sessionStore ?? (redis.url !== undefined ? 'redis' : 'memory');
  if (kind === 'redis') {
    if (redis.url === undefined) throw new Error('gate.sessionStore is "redis" but redis.url is not set');
    return new RedisSessionStore({
      url: redis.url,
      keyPrefix: `${redis.keyPrefix}session:`,
      ttlSeconds: gate.sessionTtlSeconds,
      commandTimeoutMs,
      localMaxEntries: gate.sessionMaxEntries,
      log,
    });
  }
  return new MemorySessionStore({ ttlSeconds: gate.sessionTtlSeconds, maxEntries: gate.sessionMaxEntries });
}

/** A request's session outcome, with the key's source for logs and `/v1/route`. */
export interface SessionResult extends SessionOutcome {
  policy: SessionPolicy;
  keySource?: SessionKeySource | undefined;
  /** The state remembered after this request (or the one read, when nothing changed). */
  state?: SessionState | undefined;
}

function finish(policy: SessionPolicy, store: SessionStore, key: SessionKey, outcome: SessionOutcome, write: boolean, basis?: SessionBasis): SessionResult {
  // Not awaited: writing the state is off the request's path (a failed write only loses affinity).
  if (write && outcome.next !== undefined) void store.set(key.key, outcome.next, basis);
  return result(outcome, policy, key.source);
}

/** One literal of one shape (perf: see applySession). */
const result = (outcome: SessionOutcome, policy: SessionPolicy, keySource: SessionKeySource | undefined): SessionResult => ({
  route: outcome.route,
  effort: outcome.effort,
  effect: outcome.effect,
  next: outcome.next,
  policy,
  keySource,
  state: outcome.next,
});

/**
 * Session affinity for one request: derive the key, read the state, apply the policy, remember the result
 * (`write: false` for a dry run such as `/v1/route`: the state is read, never changed).
 * Synchronous with the memory store (a hit is one LRU lookup); a promise with Redis.
 */
export function resolveSession(
  policy: SessionPolicy,
  store: SessionStore | undefined,
  input: SessionKeyInput,
  fresh: FreshDecision,
  write = true,
  /** The body's part of the session, when the caller remembered it (sessionOpeningOf). */
  opening?: SessionOpening,
): SessionResult | Promise<SessionResult> {
  if (policy === 'off' || store === undefined) return result(applySession('off', undefined, fresh, true), policy, undefined);
  // The header decides before the body: its key needs no digest of the conversation's opening.
  const byHeader = input.header !== undefined && input.header.length > 0;
  const body = opening ?? (byHeader ? undefined : sessionOpeningOf(input));
  const key = sessionKeyFor(input, body);
  if (key === undefined) return result(applySession('off', undefined, fresh, true), policy, undefined);
  const newConversation = body?.newConversation ?? isNewConversation(userTurnCount(input.messages));
  // A new conversation starts afresh whatever is stored: no read needed.
  const stored = newConversation ? undefined : store.get(key.key);
  if (stored instanceof Promise) {
    // A shared store: the write is based on the state read (a new conversation starts afresh, whatever is stored).
    return stored.then((state) =>
      finish(policy, store, key, applySession(policy, state, fresh, newConversation), write, newConversation ? undefined : { read: state, rebase: (current) => applySession(policy, current, fresh, false).next }),
    );
  }
  return finish(policy, store, key, applySession(policy, stored, fresh, newConversation), write);
}
