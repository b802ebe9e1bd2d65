import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { redisServerBinary, startRedis, type TestRedis } from '../support/redis.js';

type Message = { role: 'user' | 'assistant' | 'system'; content: string };
const hard = 'Prove that for every integer n, n^3 - n is divisible by 6.';
const hardZh = '甲、乙、丙三人中只有一人说了真话，甲说乙在说谎，乙说丙在说谎，丙说甲和乙都在说谎，请推理谁说了真话？';

async function post(url: string, path: string, messages: Message[], headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'auto', messages, ...extra }),
  });
}

describe('session affinity through the gateway (default up-only, memory store)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw.close();
  });

  it.each([
    ['English', 'hi there!', hard, 'go on', 'what is the capital of Japan?', 'thanks!'],
    ['Chinese', '你好呀', hardZh, '继续', '法国的首都是哪里？', '谢谢'],
  ])('%s: a chat that turns hard stays on reasoning; "thanks" goes direct; headers, log and /v1/route show it', async (_lang, hello, task, goOn, easy, thanks) => {
    const history: Message[] = [{ role: 'user', content: hello }];
    const ask = async (): Promise<Response> => {
      const res = await post(gw.url, '/v1/chat/completions', history);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
      history.push({ role: 'assistant', content: body.choices[0]?.message.content ?? '' });
      return res;
    };
    expect((await ask()).headers.get('x-thinkgate-route')).toBe('direct');
    history.push({ role: 'user', content: task });
    const raised = await ask();
    expect(raised.headers.get('x-thinkgate-route')).toBe('reasoning');
    expect(Number(raised.headers.get('x-thinkgate-difficulty'))).toBeGreaterThanOrEqual(0);
    history.push({ role: 'user', content: goOn });
    expect((await ask()).headers.get('x-thinkgate-route')).toBe('reasoning');
    history.push({ role: 'user', content: easy });
    // Alone this turn goes direct; in the session it stays where the conversation's reasoning is.
    const dry = (await (await post(gw.url, '/v1/route', history)).json()) as { route: string; session: { effect: string; gateRoute: string; key: string } };
    expect(dry).toMatchObject({ route: 'reasoning', session: { effect: 'held', gateRoute: 'direct', key: 'conversation' } });
    expect((await ask()).headers.get('x-thinkgate-route')).toBe('reasoning');
    history.push({ role: 'user', content: thanks });
    expect((await ask()).headers.get('x-thinkgate-route')).toBe('direct');
    history.push({ role: 'user', content: easy });
    expect((await ask()).headers.get('x-thinkgate-route')).toBe('reasoning');
  });

  it('/metrics counts the sessions this process holds, and no store errors without Redis', async () => {
    const before = await (await fetch(`${gw.url}/metrics`)).text();
    const entries = (text: string): number => Number(/^thinkgate_session_entries (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
    expect(await post(gw.url, '/v1/chat/completions', [{ role: 'user', content: hard }], { 'x-thinkgate-session': 'metrics-check' }).then((r) => r.status)).toBe(200);
    const after = await (await fetch(`${gw.url}/metrics`)).text();
    expect(entries(after)).toBe(entries(before) + 1);
    expect(after).toMatch(/^thinkgate_session_store_errors_total 0$/m);
  });

  it('/v1/route is a dry run: it never changes a session', async () => {
    const messages: Message[] = [{ role: 'user', content: hard }, { role: 'assistant', content: '…' }, { role: 'user', content: 'what is the capital of Japan?' }];
    for (let i = 0; i < 3; i++) {
      const dry = (await (await post(gw.url, '/v1/route', messages, { 'x-thinkgate-session': 'dry-only' })).json()) as { route: string; session: { effect: string } };
      expect(dry).toMatchObject({ route: 'direct', session: { effect: 'new' } });
    }
    // The same request for real is remembered: the next turn of the session is held where it was.
    await post(gw.url, '/v1/chat/completions', messages.slice(0, 1), { 'x-thinkgate-session': 'dry-only' });
    const held = (await (await post(gw.url, '/v1/route', messages, { 'x-thinkgate-session': 'dry-only' })).json()) as { route: string; session: { effect: string } };
    expect(held).toMatchObject({ route: 'reasoning', session: { effect: 'held' } });
  });

  it('a new conversation under the same header starts afresh; overrides leave sessions alone', async () => {
    const h = { 'x-thinkgate-session': 'agent-42' };
    expect((await post(gw.url, '/v1/chat/completions', [{ role: 'user', content: hard }], h)).headers.get('x-thinkgate-route')).toBe('reasoning');
    const next: Message[] = [{ role: 'user', content: hard }, { role: 'assistant', content: '…' }, { role: 'user', content: 'what is the capital of Japan?' }];
    expect((await post(gw.url, '/v1/chat/completions', next, h)).headers.get('x-thinkgate-route')).toBe('reasoning');
    const forced = await post(gw.url, '/v1/chat/completions', next, { ...h, 'x-thinkgate-route': 'direct' });
    expect(forced.headers.get('x-thinkgate-route')).toBe('direct');
    expect((await post(gw.url, '/v1/chat/completions', [{ role: 'user', content: 'hello!' }], h)).headers.get('x-thinkgate-route')).toBe('direct');
  });

  it('keys a session by user when there is no header, and by prompt_cache_key before user', async () => {
    const first = await (await post(gw.url, '/v1/route', [{ role: 'user', content: 'hi' }], {}, { user: 'u-1', prompt_cache_key: 'pk-1' })).json();
    expect(first).toMatchObject({ session: { key: 'prompt_cache_key' } });
    const second = await (await post(gw.url, '/v1/route', [{ role: 'user', content: 'hi' }], {}, { user: 'u-1' })).json();
    expect(second).toMatchObject({ session: { key: 'user' } });
  });

  it('a repeated request served from the prepared-request memo and the cache still counts in its session', async () => {
    // temperature 0: cacheable, so the second send of the same bytes is remembered (no key derived again) and a hit.
    const t0 = { temperature: 0 };
    const hard2 = 'Now prove that n^5 - n is divisible by 30 for every integer n.';
    const opening: Message[] = [{ role: 'user', content: `${hard} (memo case)` }];
    expect((await post(gw.url, '/v1/chat/completions', opening, {}, t0)).headers.get('x-thinkgate-route')).toBe('reasoning');
    const second: Message[] = [...opening, { role: 'assistant', content: '…' }, { role: 'user', content: hard2 }];
    const first = await post(gw.url, '/v1/chat/completions', second, {}, t0);
    expect(first.headers.get('x-thinkgate-route')).toBe('reasoning');
    const again = await post(gw.url, '/v1/chat/completions', second, {}, t0);
    expect(again.headers.get('x-thinkgate-cache')).toBe('hit');
    expect(again.headers.get('x-thinkgate-route')).toBe('reasoning');
    // Three requests so far in this conversation's session: the dry run of a fourth reads turns 3 and shows 4.
    const next: Message[] = [...second, { role: 'assistant', content: '…' }, { role: 'user', content: 'what is the capital of Japan?' }];
    const dry = (await (await post(gw.url, '/v1/route', next)).json()) as { route: string; session: { effect: string; turns: number; key: string } };
    expect(dry).toMatchObject({ route: 'reasoning', session: { effect: 'held', key: 'conversation', turns: 4 } });
  });

  it('rejects a malformed x-thinkgate-session with an OpenAI-shaped 400 naming the header', async () => {
    const res = await post(gw.url, '/v1/chat/completions', [{ role: 'user', content: 'hi' }], { 'x-thinkgate-session': 'x'.repeat(300) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; type: string; param: string; code: string } };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: 'x-thinkgate-session', code: 'invalid_session' });
    expect(body.error.message).toMatch(/x-thinkgate-session must be at most 256 characters/);
  });
});

describe('session policy off', () => {
  it('decides every turn on its own', async () => {
    const gw = await startGateway(() => ({ gate: { session: 'off' } }));
    try {
      const messages: Message[] = [{ role: 'user', content: hard }, { role: 'assistant', content: '…' }, { role: 'user', content: 'what is the capital of Japan?' }];
      await post(gw.url, '/v1/chat/completions', messages.slice(0, 1));
      const res = await post(gw.url, '/v1/chat/completions', messages);
      expect(res.headers.get('x-thinkgate-route')).toBe('direct');
      const dry = (await (await post(gw.url, '/v1/route', messages)).json()) as { session: unknown };
      expect(dry.session).toBeNull();
    } finally {
      await gw.close();
    }
  });
});

const haveRedis = redisServerBinary() !== undefined;
describe.skipIf(!haveRedis)('session affinity across two gateways sharing Redis', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('a conversation raised on one replica is held on the other', async () => {
    const config = () => ({ redis: { url: redis.url, keyPrefix: 'tgsess-http:' }, gate: { sessionStore: 'redis' as const } });
    const [a, b] = await Promise.all([startGateway(config), startGateway(config)]);
    try {
      // Wait until both replicas' session stores are connected (they connect in the background).
      const stores = [a, b].map((g) => g.app.thinkgate.sessions);
      for (const store of stores) expect(await store?.waitReady(5_000)).toBe(true);
      const messages: Message[] = [{ role: 'user', content: hard }];
      expect((await post(a.url, '/v1/chat/completions', messages)).headers.get('x-thinkgate-route')).toBe('reasoning');
      messages.push({ role: 'assistant', content: '…' }, { role: 'user', content: 'what is the capital of Japan?' });
      await new Promise((r) => setTimeout(r, 50));
      expect((await post(b.url, '/v1/chat/completions', messages)).headers.get('x-thinkgate-route')).toBe('reasoning');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
