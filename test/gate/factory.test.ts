import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { createGate, createThresholdController } from '../../src/gate/index.js';

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
});
