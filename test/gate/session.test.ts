import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/core/conversation.js';
import { createHeuristicGate } from '../../src/gate/heuristic.js';
import {
  applySession,
  conversationDigest,
  isNewConversation,
  sessionKeyFor,
  validateSessionHeader,
  type FreshDecision,
  type SessionPolicy,
} from '../../src/gate/session.js';
import { MemorySessionStore, createSessionStore, decodeSessionState, encodeSessionState, resolveSession, type SessionResult } from '../../src/gate/session-store.js';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const assistant = (content: string): ChatMessage => ({ role: 'assistant', content });
const direct: FreshDecision = { route: 'direct', closing: false };
const low: FreshDecision = { route: 'reasoning', effort: 'low', closing: false };
const high: FreshDecision = { route: 'reasoning', effort: 'high', closing: false };

describe('session keys', () => {
  const messages = [{ role: 'system', content: 'be brief' }, user('hello')];

  it('takes the header, then prompt_cache_key, user, safety_identifier, then the conversation digest', () => {
    const all = { header: 'h1', prompt_cache_key: 'p1', user: 'u1', safety_identifier: 's1', messages, tenant: 't' };
    expect(sessionKeyFor(all)).toMatchObject({ key: 't:header:h1', source: 'header' });
    expect(sessionKeyFor({ ...all, header: undefined })).toMatchObject({ key: 't:prompt_cache_key:p1', source: 'prompt_cache_key' });
    expect(sessionKeyFor({ ...all, header: undefined, prompt_cache_key: '' })).toMatchObject({ source: 'user' });
    expect(sessionKeyFor({ messages, safety_identifier: 's1' })).toMatchObject({ key: '-:safety_identifier:s1' });
    const byDigest = sessionKeyFor({ messages, user: 42 });
    expect(byDigest?.source).toBe('conversation');
    expect(byDigest?.key).toBe(`-:conversation:${conversationDigest(messages)}`);
  });

  it('gives every later turn of a conversation the digest of its opening, and another opening another digest', () => {
    const first = conversationDigest(messages);
    expect(conversationDigest([...messages, assistant('hi!'), user('tell me a joke')])).toBe(first);
    expect(conversationDigest([{ role: 'system', content: 'be long' }, user('hello')])).not.toBe(first);
    expect(conversationDigest([user('hello')])).not.toBe(first);
    expect(conversationDigest([{ role: 'user', content: [{ type: 'text', text: 'hello' }, { type: 'image_url', image_url: { url: 'data:,' } }] }])).toBe(
      conversationDigest([{ role: 'user', content: [{ type: 'text', text: 'hello' }] }]),
    );
    expect(conversationDigest([{ role: 'system', content: 'only a system prompt' }])).toBeUndefined();
  });

  it('keeps tenants apart', () => {
    expect(sessionKeyFor({ header: 'same', messages, tenant: 'a' })?.key).not.toBe(sessionKeyFor({ header: 'same', messages, tenant: 'b' })?.key);
  });

  it('hashes lone surrogates, emoji and 10 MB turns without throwing, in bounded time', () => {
    expect(conversationDigest([user('\ud800 lone')])).toMatch(/^[\w-]{32}$/);
    expect(conversationDigest([user('🙂🙂🙂')])).toMatch(/^[\w-]{32}$/);
    const huge = 'x'.repeat(10 * 1024 * 1024);
    expect(conversationDigest([user(huge)])).toBe(conversationDigest([user(huge.slice(0, 5000))]));
  });

  it('validates the x-thinkgate-session header', () => {
    expect(validateSessionHeader('agent-7f3a')).toBeUndefined();
    expect(validateSessionHeader('')).toMatch(/x-thinkgate-session must not be empty/);
    expect(validateSessionHeader('a'.repeat(257))).toMatch(/at most 256/);
    expect(validateSessionHeader('has space')).toMatch(/visible ASCII/);
    expect(validateSessionHeader('naïve')).toMatch(/visible ASCII/);
  });
});

describe('applySession', () => {
  const stored = (route: 'direct' | 'reasoning', effort?: 'low' | 'high') => ({ route, effort, turns: 3 });

  it('off: the fresh decision, nothing remembered', () => {
    expect(applySession('off', stored('reasoning', 'high'), direct, false)).toEqual({ route: 'direct', effort: undefined, effect: 'none' });
  });

  it('up-only: direct → reasoning moves the session up; reasoning → direct is held', () => {
    expect(applySession('up-only', stored('direct'), low, false)).toMatchObject({ route: 'reasoning', effort: 'low', effect: 'raised', next: { route: 'reasoning', turns: 4 } });
    expect(applySession('up-only', stored('reasoning', 'low'), direct, false)).toMatchObject({ route: 'reasoning', effort: 'low', effect: 'held' });
    expect(applySession('up-only', stored('reasoning', 'low'), high, false)).toMatchObject({ route: 'reasoning', effort: 'high', effect: 'raised' });
    expect(applySession('up-only', stored('reasoning', 'high'), low, false)).toMatchObject({ route: 'reasoning', effort: 'high', effect: 'held' });
    expect(applySession('up-only', stored('direct'), direct, false)).toMatchObject({ route: 'direct', effect: 'same', next: { turns: 4 } });
  });

  it('sticky: the first route holds in both directions', () => {
    expect(applySession('sticky', stored('direct'), high, false)).toMatchObject({ route: 'direct', effort: undefined, effect: 'held' });
    expect(applySession('sticky', stored('reasoning', 'low'), direct, false)).toMatchObject({ route: 'reasoning', effort: 'low', effect: 'held' });
  });

  it('a new conversation or no state: the fresh decision stands and is remembered', () => {
    for (const policy of ['sticky', 'up-only'] as SessionPolicy[]) {
      expect(applySession(policy, stored('reasoning', 'high'), direct, true)).toEqual({
        route: 'direct',
        effort: undefined,
        effect: 'new',
        next: { route: 'direct', effort: undefined, turns: 1 },
      });
      expect(applySession(policy, undefined, low, false)).toMatchObject({ effect: 'new', route: 'reasoning' });
    }
  });

  it('a closing courtesy goes direct and leaves the session where it was', () => {
    const outcome = applySession('up-only', stored('reasoning', 'high'), { route: 'direct', closing: true }, false);
    expect(outcome).toMatchObject({ route: 'direct', effect: 'closing', next: { route: 'reasoning', effort: 'high', turns: 4 } });
    expect(applySession('sticky', stored('reasoning'), { route: 'direct', closing: true }, false).route).toBe('direct');
  });

  it('a new conversation is a request with one user turn', () => {
    expect(isNewConversation(1)).toBe(true);
    expect(isNewConversation(0)).toBe(true);
    expect(isNewConversation(2)).toBe(false);
  });
});

describe('stored states', () => {
  it('round-trips and reads anything malformed as no session', () => {
    const state = { route: 'reasoning' as const, effort: 'high' as const, turns: 2 };
    expect(decodeSessionState(encodeSessionState(state))).toEqual(state);
    for (const bad of [null, 'not json', '[]', '{"route":"sideways"}', '{"route":"direct","effort":"max"}']) expect(decodeSessionState(bad)).toBeUndefined();
  });
});

describe('resolveSession with the memory store and the real gate', () => {
  const gate = createHeuristicGate({ threshold: 0.35 });
  const hard = 'If all bloops are razzies and all razzies are lazzies, prove that all bloops are lazzies, step by step.';
  const hardZh = '甲、乙、丙三人中只有一人说了真话，甲说乙在说谎，乙说丙在说谎，丙说甲和乙都在说谎，请推理谁说了真话？';

  function turn(policy: SessionPolicy, store: MemorySessionStore, messages: ChatMessage[], header?: string): SessionResult {
    const decision = gate.score({ messages });
    const result = resolveSession(policy, store, { messages, header }, { route: decision.route, closing: decision.reasons.includes('closing_thanks') });
    if (result instanceof Promise) throw new Error('the memory store answers synchronously');
    return result;
  }

  it.each([
    ['go on', hard],
    ['继续', hardZh],
  ])('up-only: a chat that turns hard stays on reasoning, "%s" and small talk included; "thanks" goes direct', (goOn, hardTurn) => {
    const store = new MemorySessionStore({ ttlSeconds: 1800, maxEntries: 100 });
    const history: ChatMessage[] = [user('hi there!')];
    expect(turn('up-only', store, history)).toMatchObject({ route: 'direct', effect: 'new', keySource: 'conversation' });
    history.push(assistant('Hello!'), user(hardTurn));
    expect(turn('up-only', store, history)).toMatchObject({ route: 'reasoning', effect: 'raised' });
    history.push(assistant('…'), user(goOn));
    expect(turn('up-only', store, history)).toMatchObject({ route: 'reasoning' });
    history.push(assistant('…'), user('what is the capital of Japan?'));
    expect(gate.score({ messages: history }).route).toBe('direct');
    expect(turn('up-only', store, history)).toMatchObject({ route: 'reasoning', effect: 'held' });
    history.push(assistant('Tokyo'), user(goOn === '继续' ? '谢谢' : 'thanks!'));
    expect(turn('up-only', store, history)).toMatchObject({ route: 'direct', effect: 'closing' });
    history.push(assistant('You are welcome'), user('one more: is it the largest city too?'));
    expect(turn('up-only', store, history)).toMatchObject({ route: 'reasoning', effect: 'held', state: { turns: 6 } });
  });

  it('off: the same conversation bounces with every turn', () => {
    const store = new MemorySessionStore({ ttlSeconds: 1800, maxEntries: 100 });
    const history: ChatMessage[] = [user(hard)];
    expect(turn('off', store, history).route).toBe('reasoning');
    history.push(assistant('…'), user('what is the capital of Japan?'));
    expect(turn('off', store, history)).toMatchObject({ route: 'direct', effect: 'none' });
  });

  it('sticky keeps a direct start direct; a new conversation under the same header starts afresh', () => {
    const store = new MemorySessionStore({ ttlSeconds: 1800, maxEntries: 100 });
    expect(turn('sticky', store, [user('hello')], 'agent-1')).toMatchObject({ route: 'direct', effect: 'new', keySource: 'header' });
    expect(turn('sticky', store, [user('hello'), assistant('hi'), user(hard)], 'agent-1')).toMatchObject({ route: 'direct', effect: 'held' });
    expect(turn('sticky', store, [user(hard)], 'agent-1')).toMatchObject({ route: 'reasoning', effect: 'new' });
  });

  it('forgets a session after the TTL since its last request', () => {
    let now = 1_000_000;
    const store = new MemorySessionStore({ ttlSeconds: 60, maxEntries: 100, clock: () => now });
    const history: ChatMessage[] = [user(hard)];
    turn('up-only', store, history);
    history.push(assistant('…'), user('what is the capital of Japan?'));
    now += 59_000;
    expect(turn('up-only', store, history).effect).toBe('held');
    now += 59_000;
    expect(turn('up-only', store, history).effect).toBe('held');
    now += 61_000;
    expect(turn('up-only', store, history)).toMatchObject({ route: 'direct', effect: 'new' });
  });

  it('drops the least recently used sessions beyond maxEntries', () => {
    const store = new MemorySessionStore({ ttlSeconds: 60, maxEntries: 2 });
    for (const h of ['a', 'b', 'c']) turn('up-only', store, [user('hi')], h);
    expect(store.stats()).toEqual({ kind: 'memory', entries: 2, errors: 0 });
  });

  it('no session key (no user turn) and policy off leave the fresh decision alone', () => {
    const store = new MemorySessionStore({ ttlSeconds: 60, maxEntries: 2 });
    expect(resolveSession('up-only', store, { messages: [] }, low)).toMatchObject({ route: 'reasoning', effect: 'none' });
    expect(createSessionStore({ session: 'off', sessionTtlSeconds: 60, sessionMaxEntries: 10 }, { keyPrefix: 'x:' })).toBeUndefined();
    expect(createSessionStore({ session: 'up-only', sessionTtlSeconds: 60, sessionMaxEntries: 10 }, { keyPrefix: 'x:' })?.kind).toBe('memory');
    expect(() => createSessionStore({ session: 'up-only', sessionTtlSeconds: 60, sessionMaxEntries: 10, sessionStore: 'redis' }, { keyPrefix: 'x:' })).toThrow(/redis\.url/);
  });
});
