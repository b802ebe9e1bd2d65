import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { createControllerFromConfig, createGate, createThresholdController, tierForScore, tiersFromConfig } from '../../src/gate/index.js';

describe('createGate', () => {
  it('builds the default gate from an empty configuration', () => {
    const config = configSchema.parse({});
    const gate = createGate(config.gate);
    expect(['learned', 'heuristic']).toContain(gate.name);
    expect(gate.score({ messages: [{ role: 'user', content: 'Prove that 7 is prime.' }] }).route).toBe('reasoning');
  });

  it('loads the learned gate and names a missing weights file', () => {
    const learned = configSchema.parse({ gate: { kind: 'learned' } }).gate;
    expect(createGate(learned).name).toBe('learned');
    expect(() => createGate({ ...learned, modelPath: 'config/missing-model.json' })).toThrow(/missing-model\.json/);
  });

  it('accepts a live threshold from the controller', () => {
    const gateConfig = configSchema.parse({ gate: { kind: 'heuristic', targetReasoningShare: 0.3 } }).gate;
    const controller = createThresholdController({ baseThreshold: 0.99 });
    const gate = createGate(gateConfig, { threshold: controller.effectiveThreshold });
    expect(gate.score({ messages: [{ role: 'user', content: 'Prove that 7 is prime.' }] }).route).toBe('direct');
  });

  it('validates the added gate fields', () => {
    expect(() => configSchema.parse({ gate: { targetReasoningShare: 1.5 } })).toThrow();
    expect(() => configSchema.parse({ gate: { reasoningBudget: {} } })).toThrow();
    const parsed = configSchema.parse({ gate: { reasoningBudget: { costPerHour: 3 }, tiers: { bands: [{ from: 0, route: 'direct' }] } } }).gate;
    expect(parsed.reasoningBudget?.softStart).toBe(0.5);
    expect(parsed.maxScoredChars).toBe(12_288);
  });

  it('builds the controller and tiers from the gate section', () => {
    const now = Date.UTC(2026, 0, 1);
    const gateConfig = configSchema.parse({ gate: { threshold: 0.4, reasoningBudget: { costPerHour: 1 }, controllerWindow: 100 } }).gate;
    const controller = createControllerFromConfig(gateConfig, () => now);
    expect(controller.effectiveThreshold()).toBe(0.4);
    controller.recordReasoningSpend({ cost: 1 });
    expect(controller.effectiveThreshold()).toBeCloseTo(0.95);
    expect(controller.state().windowSize).toBe(100);
    expect(tierForScore(0.45, tiersFromConfig(gateConfig))).toEqual({ route: 'reasoning', effort: 'low' });
  });
});
