import { describe, expect, it } from 'vitest';
import { createThresholdController } from '../../src/gate/controller.js';

function fakeClock(start = Date.UTC(2026, 0, 1, 10, 0, 0)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('threshold controller', () => {
  it('uses the base threshold without target or budget', () => {
    const controller = createThresholdController({ baseThreshold: 0.5 });
    for (let i = 0; i < 100; i++) controller.observeScore(0.9);
    expect(controller.effectiveThreshold()).toBe(0.5);
  });

  it('tracks the quantile that yields the target share', () => {
    const controller = createThresholdController({ baseThreshold: 0.5, targetReasoningShare: 0.2, window: 500, minObservations: 50 });
    expect(controller.effectiveThreshold()).toBe(0.5);
    for (let i = 0; i < 500; i++) controller.observeScore((i % 100) / 100);
    const threshold = controller.effectiveThreshold();
    expect(threshold).toBeGreaterThan(0.75);
    expect(threshold).toBeLessThan(0.85);
    expect(controller.state().recentReasoningShare).toBeCloseTo(0.2, 1);
  });

  it('follows drift with bounded memory', () => {
    const controller = createThresholdController({ baseThreshold: 0.5, targetReasoningShare: 0.5, window: 200, minObservations: 20 });
    for (let i = 0; i < 1000; i++) controller.observeScore(0.1 + (i % 10) / 100); // scores 0.10..0.19
    expect(controller.effectiveThreshold()).toBeLessThan(0.2);
    for (let i = 0; i < 1000; i++) controller.observeScore(0.8 + (i % 10) / 100); // traffic got harder
    expect(controller.effectiveThreshold()).toBeGreaterThan(0.8);
    expect(controller.state().windowSize).toBe(200);
    expect(controller.state().observedScores).toBe(2000);
  });

  it('raises the threshold smoothly as the hourly budget runs down, and resets next hour', () => {
    const clock = fakeClock();
    const controller = createThresholdController(
      { baseThreshold: 0.5, reasoningBudget: { reasoningTokensPerHour: 1000, softStart: 0.5, maxThreshold: 0.9 } },
      clock.now,
    );
    const seen: number[] = [];
    for (let spent = 0; spent < 12; spent++) {
      seen.push(controller.effectiveThreshold());
      controller.recordReasoningSpend({ tokens: 100 });
    }
    expect(seen[0]).toBe(0.5);
    expect(seen[5]).toBe(0.5); // 500 of 1000 spent: soft start
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] ?? 0);
    expect(seen[7]).toBeGreaterThan(0.5);
    expect(seen[7]).toBeLessThan(0.9);
    expect(controller.effectiveThreshold()).toBeCloseTo(0.9);
    expect(controller.state().budget?.usedFraction).toBeCloseTo(1.2);
    clock.advance(3_600_000);
    expect(controller.effectiveThreshold()).toBe(0.5);
    expect(controller.state().budget?.reasoningTokens).toBe(0);
  });

  it('counts cost budgets too and ignores junk input', () => {
    const clock = fakeClock();
    const controller = createThresholdController({ baseThreshold: 0.4, reasoningBudget: { costPerHour: 2 } }, clock.now);
    controller.recordReasoningSpend({ cost: Number.NaN, tokens: -5 });
    controller.observeScore(Number.NaN);
    expect(controller.effectiveThreshold()).toBe(0.4);
    controller.recordReasoningSpend({ cost: 2 });
    expect(controller.effectiveThreshold()).toBeCloseTo(0.95);
  });

  it('has a JSON-able state', () => {
    const controller = createThresholdController({ baseThreshold: 0.5, targetReasoningShare: 0.3, reasoningBudget: { costPerHour: 5 } });
    controller.observeScore(0.7);
    const state = controller.state();
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    expect(state.targetReasoningShare).toBe(0.3);
  });
});
