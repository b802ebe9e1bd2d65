import type { ConfigInput } from '../../src/config/schema.js';
import type { RequestRecord } from '../../src/core/record.js';
import { lastUserContent, type FakeUpstream, type Scenario } from '../support/fake-upstream.js';
import { REASONING_KEY, DIRECT_KEY, startGateway, type TestGateway } from '../support/gateway.js';

type UpstreamInput = NonNullable<NonNullable<ConfigInput['upstreams']>['reasoning']>;

/** Both upstreams with fast retries (tests must not sleep for real backoff), plus per-tier extras. */
export function fastUpstreams(
  fakes: { reasoning: FakeUpstream; direct: FakeUpstream },
  extra: { reasoning?: Partial<UpstreamInput>; direct?: Partial<UpstreamInput> } = {},
): NonNullable<ConfigInput['upstreams']> {
  const retry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, budgetMs: 2_000 };
  return {
    reasoning: { baseUrl: fakes.reasoning.url, model: 'fake-reasoner', apiKey: REASONING_KEY, retry, ...extra.reasoning },
    direct: { baseUrl: fakes.direct.url, model: 'fake-chat', apiKey: DIRECT_KEY, retry, ...extra.direct },
  };
}

/**
 * A gateway for fallback tests: both tiers retry fast and have their breakers off (so a failing tier keeps being
 * tried rather than skipped), and every request record the gateway makes is pushed onto `records`.
 */
export async function startFallbackGateway(records: RequestRecord[]): Promise<TestGateway> {
  const gw = await startGateway((f) => ({
    upstreams: fastUpstreams(f, { reasoning: { breaker: { enabled: false } }, direct: { breaker: { enabled: false } } }),
  }));
  gw.app.thinkgate.observers.push((r) => records.push(r));
  return gw;
}

/** A fake's scenario answering `<tag>: <last user message>`, with `reasoning` when given. */
export const answerEcho =
  (tag: string, reasoning?: string) =>
  (body: Record<string, unknown>): Scenario => ({
    kind: 'answer',
    answer: { content: `${tag}: ${lastUserContent(body)}`, ...(reasoning === undefined ? {} : { reasoning }) },
  });

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** A plain fetch to the gateway (for what the SDK hides: raw status, headers, SSE text). */
export async function post(gw: TestGateway, path: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const chatBody = (model: string, content = 'hello', stream = false): Record<string, unknown> => ({
  model,
  stream,
  messages: [{ role: 'user', content }],
});

/** The OpenAI error shape, exactly. */
export function isOpenAIError(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const e = (v as { error?: unknown }).error;
  if (typeof e !== 'object' || e === null) return false;
  const r = e as Record<string, unknown>;
  return typeof r.message === 'string' && typeof r.type === 'string' && (r.param === null || typeof r.param === 'string') && (r.code === null || typeof r.code === 'string');
}

/** The proxy is healthy: liveness answers and an ordinary request through the direct tier succeeds. */
export async function assertHealthy(gw: TestGateway): Promise<void> {
  const health = await fetch(`${gw.url}/healthz`);
  if (health.status !== 200) throw new Error(`/healthz answered ${health.status}`);
  gw.direct.scenario = (body) => ({ kind: 'answer', answer: { content: `ok ${String((body.messages as { content: string }[])[0]?.content)}` } });
  const res = await gw.client().chat.completions.create({ model: 'thinkgate-direct', messages: [{ role: 'user', content: 'still there?' }] });
  if (res.choices[0]?.message.content !== 'ok still there?') throw new Error('follow-up request failed');
}

/** The SSE `data:` payloads of a response text. */
export const sseEvents = (text: string): string[] =>
  text.split('\n\n').filter((b) => b.startsWith('data: ')).map((b) => b.slice('data: '.length));

/** Polls `cond` every 10 ms until it holds; throws naming `what` after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
