import { hash } from 'node:crypto';
import type { Route } from './types.js';

/**
 * Session affinity, the pure part: which session a request belongs to, and what a session's remembered route does to
 * a fresh decision.
 *
 * Why: agents and chat clients resend the whole conversation every turn. A gate that re-decides per turn can switch
 * models mid-task, which throws away the upstream's prompt cache and, for reasoning models, the earlier reasoning.
 * Policies (`gate.session`):
 *  - `off`: every request is decided on its own;
 *  - `sticky`: the first decision of a session holds until the session expires or a new conversation starts;
 *  - `up-only` (default): the route may move from direct to reasoning (and from low to high effort) but not back.
 * A new conversation — a request whose only user turn is new — starts the session afresh. A closing courtesy
 * ("thanks", "谢谢") still goes direct: the gate's closing rule wins, and the session keeps its route for the next turn.
 */

export type SessionPolicy = 'off' | 'sticky' | 'up-only';
export type SessionEffort = 'low' | 'high';

/** Where a session key came from, strongest first. */
export type SessionKeySource = 'header' | 'prompt_cache_key' | 'user' | 'safety_identifier' | 'conversation';

export interface SessionKey {
  /** Namespaced key: `<tenant>:<source>:<value or digest>`; at most ~300 characters. */
  key: string;
  source: SessionKeySource;
}

/** What a session remembers: the route (and effort) its requests were last sent to. Plain JSON. */
export interface SessionState {
  route: Route;
  effort?: SessionEffort | undefined;
  /** Requests seen in this session (1 after the first). */
  turns: number;
}

/** The request fields a session key is derived from (Chat Completions / Responses names). */
export interface SessionKeyInput {
  /** `x-thinkgate-session` header value, already validated (validateSessionHeader). */
  header?: string | undefined;
  prompt_cache_key?: unknown;
  user?: unknown;
  safety_identifier?: unknown;
  messages: readonly unknown[];
  /** Hashed client key or another tenant id: sessions of different tenants never meet. */
  tenant?: string | undefined;
}

export const SESSION_HEADER = 'x-thinkgate-session';
/** The request fields that name a session, strongest first (after the header). */
const BODY_SOURCES = ['prompt_cache_key', 'user', 'safety_identifier'] as const;
const MAX_HEADER_CHARS = 256;
const MAX_FIELD_CHARS = 256;
/** Characters of each early message hashed for the conversation key: the opening identifies a conversation. */
const HASHED_CHARS_PER_MESSAGE = 4096;
/** Visible ASCII only: the value ends up in logs and Redis keys. */
const HEADER_VALUE = /^[\x21-\x7e]+$/;

/**
 * Checks an `x-thinkgate-session` value: 1–256 visible ASCII characters. Returns an error message naming the header
 * and what was expected, or undefined when the value is fine.
 */
export function validateSessionHeader(value: string): string | undefined {
  if (value.length === 0) return `${SESSION_HEADER} must not be empty`;
  if (value.length > MAX_HEADER_CHARS) return `${SESSION_HEADER} must be at most ${MAX_HEADER_CHARS} characters; got ${value.length}`;
  if (!HEADER_VALUE.test(value)) return `${SESSION_HEADER} must contain visible ASCII characters only (no spaces or control characters)`;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function usableField(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, MAX_FIELD_CHARS) : undefined;
}

/** Text of a message content (string or text parts), cut to the hashed length; images and other parts skipped. */
function contentForHash(content: unknown): string {
  if (typeof content === 'string') return content.slice(0, HASHED_CHARS_PER_MESSAGE);
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (text.length >= HASHED_CHARS_PER_MESSAGE) break;
    if (isRecord(part) && part['type'] === 'text' && typeof part['text'] === 'string') text += `${part['text']}\n`;
  }
  return text.slice(0, HASHED_CHARS_PER_MESSAGE);
}

/** How many user turns the conversation has (a request with one is a new conversation). */
export function userTurnCount(messages: readonly unknown[]): number {
  let turns = 0;
  for (const message of messages) if (isRecord(message) && message['role'] === 'user') turns++;
  return turns;
}

/**
 * Digest of the conversation's opening: the system/developer messages before the first user turn and that turn.
 * Every later request of the same conversation resends the same opening, so it gets the same digest. undefined when
 * there is no user turn.
 */
export function conversationDigest(messages: readonly unknown[]): string | undefined {
  // perf: the opening is hashed in one call (the same bytes the incremental form fed, so the same digest): a Hash
  // object and an update per field cost more than the digest itself for a short opening.
  let opening = '';
  for (const message of messages) {
    if (!isRecord(message)) continue;
    const role = typeof message['role'] === 'string' ? message['role'] : '';
    if (role !== 'system' && role !== 'developer' && role !== 'user') continue;
    opening += `${role}\u0000${contentForHash(message['content'])}\u0001`;
    if (role === 'user') return hash('sha256', opening, 'base64url').slice(0, 32);
  }
  return undefined;
}

/**
 * What a request's body says about its session, worked out once per distinct body (the prepared-request memo keeps
 * it, so a repeated request derives no key and hashes nothing): the body's session key without the tenant
 * (`prompt_cache_key`, `user` or `safety_identifier`, else a digest of the conversation's opening; undefined when the
 * conversation has no user turn) and whether the request starts a new conversation.
 */
export interface SessionOpening {
  source: SessionKeySource | undefined;
  value: string | undefined;
  newConversation: boolean;
}

/** The body's part of the session: see SessionOpening. Pure. */
export function sessionOpeningOf(input: Pick<SessionKeyInput, 'prompt_cache_key' | 'user' | 'safety_identifier' | 'messages'>): SessionOpening {
  const newConversation = isNewConversation(userTurnCount(input.messages));
  // Strongest first; plain checks rather than a table (perf: no arrays built per request).
  for (const source of BODY_SOURCES) {
    const value = usableField(input[source]);
    if (value !== undefined) return { source, value, newConversation };
  }
  const opening = conversationDigest(input.messages);
  return { source: opening === undefined ? undefined : 'conversation', value: opening, newConversation };
}

/**
 * The session a request belongs to: the `x-thinkgate-session` header, else `prompt_cache_key`, `user` or
 * `safety_identifier`, else a digest of the conversation's opening. undefined when none applies (no user turn).
 * `opening`: the body's part when already known (sessionOpeningOf).
 */
export function sessionKeyFor(input: SessionKeyInput, opening?: SessionOpening): SessionKey | undefined {
  const tenant = input.tenant ?? '-';
  if (input.header !== undefined && input.header.length > 0) return { key: `${tenant}:header:${input.header}`, source: 'header' };
  const body = opening ?? sessionOpeningOf(input);
  return body.source === undefined || body.value === undefined ? undefined : { key: `${tenant}:${body.source}:${body.value}`, source: body.source };
}

/** What the session did to a decision, as shown in `/v1/route` and the log line (`session`). */
export type SessionEffect =
  /** Policy off, or no session key. */
  | 'none'
  /** First request of a session, or a new conversation: the fresh decision stands and is remembered. */
  | 'new'
  /** The fresh decision equals the remembered one. */
  | 'same'
  /** up-only: the fresh decision was higher and the session moved up with it. */
  | 'raised'
  /** The remembered route (or effort) was kept over a lower fresh decision (sticky: over any different one). */
  | 'held'
  /** A closing courtesy went direct; the session keeps its route for the next turn. */
  | 'closing';

export interface FreshDecision {
  route: Route;
  effort?: SessionEffort | undefined;
  /** The gate named the turn a closing courtesy ("thanks"): it goes direct whatever the session says. */
  closing: boolean;
}

export interface SessionOutcome {
  route: Route;
  effort?: SessionEffort | undefined;
  effect: SessionEffect;
  /** The state to remember now (undefined: nothing to write). */
  next?: SessionState | undefined;
}

const rank = (route: Route, effort: SessionEffort | undefined): number => (route === 'direct' ? 0 : effort === 'high' ? 2 : 1);

/**
 * Whether a request starts a new conversation: its only user turn is new (one user turn in all). A repeat of a first
 * request is decided afresh too: nothing has been said yet that the route would have to stay with.
 */
export function isNewConversation(userTurns: number): boolean {
  return userTurns <= 1;
}

/**
 * Applies a session policy to a fresh decision. Pure. `stored` is the remembered state (undefined: none or expired);
 * `newConversation` from isNewConversation.
 */
export function applySession(policy: SessionPolicy, stored: SessionState | undefined, fresh: FreshDecision, newConversation: boolean): SessionOutcome {
  // perf: every outcome is one object literal of one shape (spreading into a literal with more keys is several
  // times slower in V8, and this runs on every request, cache hits included).
  const freshEffort = fresh.route === 'reasoning' ? fresh.effort : undefined;
  if (policy === 'off') return outcome(fresh.route, freshEffort, 'none', undefined);
  if (stored === undefined || newConversation) return outcome(fresh.route, freshEffort, 'new', state(fresh.route, freshEffort, 1));
  const turns = stored.turns + 1;
  if (fresh.closing && fresh.route === 'direct') return outcome(fresh.route, freshEffort, 'closing', state(stored.route, stored.effort, turns));
  const storedRank = rank(stored.route, stored.effort);
  const freshRank = rank(fresh.route, freshEffort);
  if (storedRank === freshRank) return outcome(fresh.route, freshEffort, 'same', state(stored.route, stored.effort, turns));
  if (policy === 'up-only' && freshRank > storedRank) return outcome(fresh.route, freshEffort, 'raised', state(fresh.route, freshEffort, turns));
  // sticky (any change) or up-only (a lower fresh decision): the session's route holds.
  const heldEffort = stored.route === 'reasoning' ? stored.effort : undefined;
  return outcome(stored.route, heldEffort, 'held', state(stored.route, stored.effort, turns));
}

const outcome = (route: Route, effort: SessionEffort | undefined, effect: SessionEffect, next: SessionState | undefined): SessionOutcome => ({ route, effort, effect, next });
const state = (route: Route, effort: SessionEffort | undefined, turns: number): SessionState => ({ route, effort, turns });
