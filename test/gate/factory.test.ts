import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { createControllerFromConfig, createGate, createThresholdController, tierForScore, tiersFromConfig } from '../../src/gate/index.js';

describe('createGate', () => {
  it('builds the default gate from an empty configuration', () => {
    const config = configSchema.parse({});
    const gate = createGate(config.gate);
    expect(gate.name).toBe('learned');
    expect(gate.score({ messages: [{ role: 'user', content: 'Prove that 7 is prime.' }] }).route).toBe('reasoning');
  });

  it('the default gate takes bad input without throwing: empty, images only, 10 MB, lone surrogates, emoji only', () => {
    const gate = createGate(configSchema.parse({}).gate);
    const contents: unknown[] = [
      '',
      [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }],
      [{ type: 'image_url', image_url: { url: 'data:,' } }, { type: 'text', text: 'Translate into French: 3x + 5 = 20' }],
      'x'.repeat(10 * 1024 * 1024),
      '\ud800 lone \udfff surrogates',
      '🙂🙂🙂🔥',
    ];
    for (const content of contents) {
      const d = gate.score({ messages: [{ role: 'user', content } as never] });
      expect(d.score).toBeGreaterThanOrEqual(0);
      expect(d.score).toBeLessThanOrEqual(1);
      expect(d.difficulty).toBeGreaterThanOrEqual(0);
      expect(d.difficulty).toBeLessThanOrEqual(1);
    }
    expect(gate.score({ messages: [{ role: 'user', content: '' }] })).toMatchObject({ route: 'direct', reasons: ['empty_prompt'] });
  });

  it('refuses to start with a corrupt weights file, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gate-start-'));
    const path = join(dir, 'broken-model.json');
    writeFileSync(path, '{"format": "thinkgate-gate-model", "bias": ');
    const config = parseConfig({ gate: { modelPath: path }, log: { level: 'silent' } });
    await expect(buildApp(config, { logger: false })).rejects.toThrow(/broken-model\.json is not valid JSON/);
  });

  it('names the file and the field when the n-gram arrays hold something else than numbers', () => {
    const learned = configSchema.parse({ gate: { kind: 'learned' } }).gate;
    const dir = mkdtempSync(join(tmpdir(), 'gate-shape-'));
    const model = JSON.parse(readFileSync(learned.modelPath, 'utf8')) as { ngrams: { indices: unknown[]; weights: unknown[] } };
    const write = (name: string, edit: (m: typeof model) => void): string => {
      const copy = structuredClone(model);
      edit(copy);
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(copy));
      return path;
    };
    const badIndex = write('bad-index.json', (m) => (m.ngrams.indices[7] = 'x'));
    expect(() => createGate({ ...learned, modelPath: badIndex })).toThrow(/bad-index\.json has the wrong shape.*ngrams\.indices: expected an array of non-negative integers/);
    const negative = write('negative.json', (m) => (m.ngrams.indices[0] = -1));
    expect(() => createGate({ ...learned, modelPath: negative })).toThrow(/ngrams\.indices: expected an array of non-negative integers/);
    const badWeight = write('bad-weight.json', (m) => (m.ngrams.weights[3] = null));
    expect(() => createGate({ ...learned, modelPath: badWeight })).toThrow(/bad-weight\.json has the wrong shape.*ngrams\.weights: expected an array of finite numbers/);
    expect(createGate({ ...learned, modelPath: write('same.json', () => undefined) }).name).toBe('learned');
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
