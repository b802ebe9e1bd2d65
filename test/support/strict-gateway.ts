import { afterAll, beforeAll } from 'vitest';
import type { FakeUpstream } from './fake-upstream.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { DIRECT_KEY, REASONING_KEY, startGateway, type TestGateway } from './gateway.js';
import { DEEPSEEK_THINKING, OPENAI_CHAT, refuseWith, type StrictRule } from './strict-rules.js';

/** Helpers for the tests that run conversations against strict fake upstreams (test/strict-*.test.ts). */

type Json = Record<string, unknown>;

/** The messages of a recorded chat request's body. */
export const sentMessages = (body: unknown): Json[] => (body as { messages: Json[] }).messages;

export interface StrictGateway {
  /** Set once the block's beforeAll has run. */
  gw: TestGateway;
  /** The refusals the direct upstream sent (empty while the gateway adapts everything). */
  refusals: string[];
}

/**
 * A gateway for one describe block (startGateway's, with `overrides`), started and closed by the block's hooks,
 * whose direct upstream refuses what `rules` refuse and otherwise answers as `answer` (default: an echo).
 */
export function strictDirect(rules: readonly StrictRule[], overrides?: Parameters<typeof startGateway>[0], answer?: FakeUpstream['scenario']): StrictGateway {
  const s = { refusals: [] as string[] } as StrictGateway;
  beforeAll(async () => {
    s.gw = await startGateway(overrides);
    s.refusals = refuseWith(s.gw.direct, rules, answer ?? s.gw.direct.scenario);
  });
  afterAll(() => s.gw.close());
  return s;
}

/** Upstreams a user would pair: DeepSeek's thinking mode as reasoning (with `reasoningHistory: always`), OpenAI as direct. */
export const deepseekAndOpenAI = (fakes: { reasoning: FakeUpstream; direct: FakeUpstream }): ConfigInput => ({
  upstreams: {
    reasoning: { baseUrl: fakes.reasoning.url, model: 'deepseek-reasoner', apiKey: REASONING_KEY, reasoningHistory: 'always' },
    direct: { baseUrl: fakes.direct.url, model: 'gpt-4o-mini', apiKey: DIRECT_KEY },
  },
});

export interface StrictTiers {
  /** Set once the block's beforeAll has run. */
  gw: TestGateway;
  refusals: { reasoning: string[]; direct: string[] };
}

/**
 * A gateway for one describe block with deepseekAndOpenAI's upstreams, each refusing what its provider refuses
 * (DEEPSEEK_THINKING, OPENAI_CHAT) and otherwise answering as given (default: an echo).
 */
export function strictTiers(answers: { reasoning?: FakeUpstream['scenario']; direct?: FakeUpstream['scenario'] } = {}): StrictTiers {
  const s = { refusals: { reasoning: [], direct: [] } } as unknown as StrictTiers;
  beforeAll(async () => {
    s.gw = await startGateway(deepseekAndOpenAI);
    s.refusals.reasoning = refuseWith(s.gw.reasoning, DEEPSEEK_THINKING, answers.reasoning ?? s.gw.reasoning.scenario);
    s.refusals.direct = refuseWith(s.gw.direct, OPENAI_CHAT, answers.direct ?? s.gw.direct.scenario);
  });
  afterAll(() => s.gw.close());
  return s;
}

/** POSTs a Responses request to the gateway; its status and the response body (JSON, or the event stream's text). */
export async function postResponses(gw: TestGateway, body: Json): Promise<{ status: number; json: Json; text: string }> {
  const res = await fetch(`${gw.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    // A stream: the caller reads `text`.
  }
  return { status: res.status, json, text };
}
