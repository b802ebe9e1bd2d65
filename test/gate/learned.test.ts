import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LabelledPrompt } from '../../src/gate/augment.js';
import { forEachNgramBucket, ngramVector } from '../../src/gate/features.js';
import { createLearnedGate, loadGateModel, modelFromFile } from '../../src/gate/learned.js';
import { DEFAULT_TRAIN_OPTIONS, isPermissiveLicense, modelFileFromWeights, trainWeights, trainingRows } from '../../src/gate/training.js';
import { CHINESE_CASES, ENGLISH_CASES } from './prompts.js';

const MODEL_PATH = 'config/gate-model.json';
const gate = createLearnedGate({ model: loadGateModel(MODEL_PATH), threshold: 0.35 });

describe('learned gate with the shipped weights', () => {
  it.each([...ENGLISH_CASES, ...CHINESE_CASES])('$route: $prompt', ({ prompt, route }) => {
    expect(gate.score({ messages: [{ role: 'user', content: prompt }] }).route).toBe(route);
  });

  it('survives hostile input', () => {
    for (const content of ['', '\ud800\udc00\ud800', '🙂🙂', 'x'.repeat(10_000_000)]) {
      const decision = gate.score({ messages: [{ role: 'user', content: content || ' ' }] });
      expect(Number.isFinite(decision.score)).toBe(true);
    }
  });

  it('records provenance without a training date', () => {
    const file = JSON.parse(readFileSync(MODEL_PATH, 'utf8')) as Record<string, unknown>;
    const provenance = file['provenance'] as Record<string, unknown>;
    expect(provenance['sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(file)).not.toMatch(/20\d\d-\d\d-\d\dT/);
    expect(readFileSync(MODEL_PATH).length).toBeLessThan(2_000_000);
  });
});

describe('loadGateModel errors name the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gate-model-'));
  it('missing file', () => {
    expect(() => loadGateModel(join(dir, 'absent.json'))).toThrow(/absent\.json.*could not be read/);
  });
  it('corrupt JSON', () => {
    const path = join(dir, 'corrupt.json');
    writeFileSync(path, '{"format": ');
    expect(() => loadGateModel(path)).toThrow(/corrupt\.json is not valid JSON/);
  });
  it('wrong shape', () => {
    const path = join(dir, 'shape.json');
    const good = JSON.parse(readFileSync(MODEL_PATH, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...good, bias: 'high' }));
    expect(() => loadGateModel(path)).toThrow(/shape\.json has the wrong shape.*bias/);
    writeFileSync(path, JSON.stringify({ ...good, featureVersion: 1 }));
    expect(() => loadGateModel(path)).toThrow(/shape\.json/);
  });
});

describe('features', () => {
  it('hashes n-grams the same way for training and scoring, CJK and Latin alike', () => {
    for (const text of ['求证三角形内角和', 'prove it', '']) {
      const buckets: number[] = [];
      const count = forEachNgramBucket(text, 12, (b) => buckets.push(b));
      expect(count).toBe(buckets.length);
      const { indices, values } = ngramVector(text, 12);
      expect(indices.length).toBe(new Set(buckets).size);
      if (count > 0) expect([...values].reduce((s, v) => s + v, 0)).toBeCloseTo(count / Math.sqrt(count));
    }
    expect(forEachNgramBucket('求证', 12, () => undefined)).toBe(1);
  });
});

describe('training', () => {
  const rows: LabelledPrompt[] = [
    ...['Prove that 3 divides n^3 - n.', 'How many apples are left if each of 4 kids eats 2 of 11?', '证明：n²+n是偶数。', '一共有多少个球？每盒6个，共5盒。'].map((prompt, i) => ({
      id: `r${i}`, prompt, label: 'reasoning' as const, lang: 'x', source: `s${i % 2}`, license: 'MIT',
    })),
    ...['hello!', 'Translate "good morning" into French.', '你好呀', '帮我润色一下这句话。'].map((prompt, i) => ({
      id: `d${i}`, prompt, label: 'direct' as const, lang: 'x', source: `s${2 + (i % 2)}`, license: 'CC-BY-4.0',
    })),
    { id: 'nc', prompt: 'Solve 2x = 4', label: 'reasoning', lang: 'en', source: 's9', license: 'proprietary' },
  ];
  const options = { ...DEFAULT_TRAIN_OPTIONS, bucketBits: 10, iterations: 30 };

  it('drops non-permissive lines and adds framed copies labelled direct', () => {
    expect(isPermissiveLicense('CC-BY-SA-4.0')).toBe(true);
    expect(isPermissiveLicense('CC-BY-NC-4.0')).toBe(false);
    const train = trainingRows(rows, { ...options, frameShare: 1 });
    expect(train.some((r) => r.id === 'nc')).toBe(false);
    const framed = train.filter((r) => r.category === 'framed');
    expect(framed.length).toBe(4);
    expect(framed.every((r) => r.label === 'direct')).toBe(true);
  });

  it('is deterministic and produces a loadable model that separates its training data', () => {
    const first = JSON.stringify(modelFileFromWeights(trainWeights(trainingRows(rows, options), options), options, {}));
    const second = JSON.stringify(modelFileFromWeights(trainWeights(trainingRows(rows, options), options), options, {}));
    expect(first).toBe(second);
    const trained = createLearnedGate({ model: modelFromFile(JSON.parse(first)), threshold: 0.5 });
    const score = (prompt: string) => trained.score({ messages: [{ role: 'user', content: prompt }] }).score;
    expect(score('Prove that 3 divides n^3 - n.')).toBeGreaterThan(score('hello!'));
  });
});

describe('ngramScore', () => {
  it('equals the walk used for training', async () => {
    const { ngramScore } = await import('../../src/gate/features.js');
    const weights = new Float32Array(1 << 10).map((_, i) => Math.sin(i));
    for (const text of ['Prove that 3 divides n^3 - n.', '一共有多少个球？', 'a', '']) {
      let sum = 0;
      const count = forEachNgramBucket(text, 10, (b) => (sum += weights[b] ?? 0));
      expect(ngramScore(text, weights, 10)).toBeCloseTo(count === 0 ? 0 : sum / Math.sqrt(count), 5);
    }
  });
});
