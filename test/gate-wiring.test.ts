import { describe, expect, it } from 'vitest';
import { startGateway } from './support/gateway.js';
import { readJson } from './support/http.js';
import type { Gate } from '../src/gate/types.js';

const chat = async (url: string, content: string, extra: Record<string, unknown> = {}): Promise<Response> =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content }], ...extra }),
  });

/** A gate whose score is written in the prompt ("score 0.83"), so routing can be tested apart from scoring. */
const scriptedGate: Gate = {
  name: 'scripted',
  score(input) {
    const last = input.messages.at(-1);
    const score = Number(/score ([\d.]+)/.exec(typeof last?.content === 'string' ? last.content : '')?.[1] ?? 0);
    return { score, route: score >= 0.5 ? 'reasoning' : 'direct', reasons: ['scripted'] };
  },
};

describe('gate controller wired into the gateway', () => {
  it('targetReasoningShare moves the live threshold; /v1/stats and /metrics show it', async () => {
    const gw = await startGateway(() => ({ gate: { kind: 'heuristic', targetReasoningShare: 0.9, controllerWindow: 100 } }));
    try {
      const routes: string[] = [];
      for (let i = 0; i < 70; i++) routes.push((await chat(gw.url, `hello there, friend number ${i}`)).headers.get('x-thinkgate-route') ?? '');
      // Chit-chat scores low, so it goes direct at the base threshold; once the controller has seen enough traffic,
      // the threshold follows the 10% quantile and most of it goes to reasoning.
      expect(routes.slice(0, 10).filter((r) => r === 'direct').length).toBeGreaterThanOrEqual(9);
      expect(routes.slice(-10).filter((r) => r === 'reasoning').length).toBeGreaterThanOrEqual(7);
      const stats = await readJson(await fetch(`${gw.url}/v1/stats`));
      const gate = stats.gate as unknown as { kind: string; threshold: number; controller: { observedScores: number; quantileThreshold: number | null; targetReasoningShare: number } };
      expect(gate.kind).toBe('heuristic');
      expect(gate.controller.observedScores).toBe(70);
      expect(gate.controller.targetReasoningShare).toBe(0.9);
      expect(gate.controller.quantileThreshold).not.toBeNull();
      expect(gate.threshold).toBeLessThan(0.5);
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      const published = Number(/^thinkgate_gate_threshold (\S+)$/m.exec(metrics)?.[1]);
      expect(published).toBeCloseTo(gate.threshold, 6);
      // Overrides are not the gate's traffic: they do not move the controller.
      await chat(gw.url, 'hi', { model: 'thinkgate-direct' });
      const after = await readJson(await fetch(`${gw.url}/v1/stats`));
      expect((after.gate as unknown as { controller: { observedScores: number } }).controller.observedScores).toBe(70);
    } finally {
      await gw.close();
    }
  });

  it('reasoningBudget raises the threshold as reasoning spend runs down the hourly budget', async () => {
    const gw = await startGateway(() => ({ gate: { threshold: 0.5, reasoningBudget: { reasoningTokensPerHour: 24, softStart: 0, maxThreshold: 0.95 } } }), { gate: scriptedGate });
    try {
      const before = (await readJson(await fetch(`${gw.url}/v1/route`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'score 0.6' }] }) }))).threshold as unknown as number;
      expect(before).toBe(0.5);
      // The fake reasoning upstream reports 12 reasoning tokens per answer: half the hourly budget.
      await chat(gw.url, 'score 0.9', { model: 'thinkgate-reasoning' });
      const stats = await readJson(await fetch(`${gw.url}/v1/stats`));
      const gate = stats.gate as unknown as { threshold: number; controller: { budget: { reasoningTokens: number; usedFraction: number } } };
      expect(gate.controller.budget.reasoningTokens).toBe(12);
      expect(gate.controller.budget.usedFraction).toBeCloseTo(0.5, 6);
      expect(gate.threshold).toBeGreaterThan(0.5);
      expect(gate.threshold).toBeLessThan(0.95);
    } finally {
      await gw.close();
    }
  });
});

describe('graded tiers', () => {
  it('maps score bands to direct, reasoning-low and reasoning-high, passing effort where the upstream accepts it', async () => {
    const gw = await startGateway(
      (f) => ({
        upstreams: { reasoning: { baseUrl: f.reasoning.url, model: 'fake-reasoner', acceptsReasoningEffort: true } },
        gate: { tiers: { bands: [{ from: 0, route: 'direct' }, { from: 0.5, route: 'reasoning', effort: 'low' }, { from: 0.8, route: 'reasoning', effort: 'high' }] } },
      }),
      { gate: scriptedGate },
    );
    try {
      const low = await chat(gw.url, 'score 0.2');
      expect(low.headers.get('x-thinkgate-route')).toBe('direct');
      const mid = await chat(gw.url, 'score 0.6');
      expect(mid.headers.get('x-thinkgate-route')).toBe('reasoning');
      expect((gw.reasoning.chatRequests().at(-1)!.body as { reasoning_effort?: string }).reasoning_effort).toBe('low');
      const high = await chat(gw.url, 'score 0.95');
      expect(high.headers.get('x-thinkgate-route')).toBe('reasoning');
      expect((gw.reasoning.chatRequests().at(-1)!.body as { reasoning_effort?: string }).reasoning_effort).toBe('high');
      // The client's own effort still wins over the tier.
      await chat(gw.url, 'score 0.95', { reasoning_effort: 'medium' });
      expect((gw.reasoning.chatRequests().at(-1)!.body as { reasoning_effort?: string }).reasoning_effort).toBe('medium');
    } finally {
      await gw.close();
    }
  });
});
