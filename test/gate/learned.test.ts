import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LabelledPrompt } from '../../src/gate/augment.js';
import fc from 'fast-check';
import { cjkShare, cjkShareAtLeast } from '../../src/gate/cues.js';
import { forEachNgramBucket, ngramVector } from '../../src/gate/features.js';
import { createLearnedGate, loadGateModel, modelFromFile, scoreTurnWithModel } from '../../src/gate/learned.js';
import { DEFAULT_TRAIN_OPTIONS, isPermissiveLicense, modelFileFromWeights, trainGateWeights, trainWeights, trainingRows } from '../../src/gate/training.js';
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
    writeFileSync(path, JSON.stringify({ ...good, chineseShift: { minCjkShare: 2, logit: 0.1 } }));
    expect(() => loadGateModel(path)).toThrow(/shape\.json has the wrong shape.*chineseShift\.minCjkShare/);
  });
});

describe('per-language operating point (chineseShift)', () => {
  const shipped = loadGateModel(MODEL_PATH);
  const context = { chars: 0, userTurns: 1, hasSystem: false, hasTools: false };
  const logit = (p: number): number => Math.log(p / (1 - p));
  const logitOf = (model: typeof shipped, text: string): number => logit(scoreTurnWithModel(model, text, { ...context, chars: text.length }).score);
  const without = { ...shipped, chineseShift: undefined };

  it('the shipped weights carry the training options\' shift', () => {
    expect(shipped.chineseShift).toEqual(DEFAULT_TRAIN_OPTIONS.blend?.chineseShift);
  });

  it('moves blended Chinese text by exactly its logit and leaves English (one ideograph in 80 characters included) and framed prompts alone', () => {
    const shift = shipped.chineseShift?.logit ?? Number.NaN;
    expect(shift).toBeGreaterThan(0);
    for (const text of ['一个人从家出发，先向东走，再向北走，再向西走，最后向南走，他最后在家的什么方向？', '写一个函数 f(x) 返回数组里的最大值']) {
      expect(logitOf(shipped, text) - logitOf(without, text)).toBeCloseTo(shift, 6);
    }
    for (const text of ['A clock shows a quarter past three. What is the angle between the hands?', 'What does the character 猫 mean, and how would you use it in a short English sentence about pets?']) {
      expect(logitOf(shipped, text)).toBe(logitOf(without, text));
    }
    // A direct-task frame is scored by the heuristic alone: no bias of the blend, no shift.
    const framed = '把这道题翻译成英文：一个人从家出发，先向东走，再向北走，他最后在家的什么方向？';
    expect(logitOf(shipped, framed)).toBe(logitOf(without, framed));
  });

  it('reads the script share with an early stop that gives the same answer as the full share', () => {
    const char = fc.constantFrom('猫', '学', 'a', 'Z', '7', ' ', '\n', '，', 'é', '😀');
    fc.assert(
      fc.property(
        fc.array(char, { maxLength: 300, size: 'max' }),
        fc.oneof(fc.constantFrom(0, 0.05, 0.1, 0.2, 0.3, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true })),
        fc.integer({ min: 0, max: 400 }),
        (chars, minShare, limit) => {
          const text = chars.join('');
          expect(cjkShareAtLeast(text, minShare, limit)).toBe(cjkShare(text.slice(0, limit)) >= minShare);
        },
      ),
      { numRuns: 500 },
    );
    // One ideograph in ten characters: 10 %, under 15 % however early it comes; the limit cuts before the ideographs.
    expect(cjkShareAtLeast('猫aaaaaaaaa', 0.15)).toBe(false);
    expect(cjkShareAtLeast('猫aaaaaaaaa', 0.1)).toBe(true);
    expect(cjkShareAtLeast('aaaa猫猫猫猫猫猫', 0.05, 4)).toBe(false);
  });

  it('is written by training from the blend options, and left out when the options have none', () => {
    const rows: LabelledPrompt[] = [
      { id: 'r', prompt: '证明：n²+n是偶数。', label: 'reasoning', lang: 'zh', source: 'a', license: 'MIT' },
      { id: 'd', prompt: 'hello!', label: 'direct', lang: 'en', source: 'b', license: 'MIT' },
    ];
    const small = { ...DEFAULT_TRAIN_OPTIONS, bucketBits: 8, iterations: 2, frameShare: 0, blend: { heuristic: 0.5, ngram: 0.5, bias: 0, chineseShift: { minCjkShare: 0.2, logit: 0.3 } } };
    const file = modelFileFromWeights(trainGateWeights(rows, small), small, {});
    expect(file.chineseShift).toEqual({ minCjkShare: 0.2, logit: 0.3 });
    const none = { ...small, blend: { heuristic: 0.5, ngram: 0.5, bias: 0 } };
    expect('chineseShift' in modelFileFromWeights(trainGateWeights(rows, none), none, {})).toBe(false);
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
  it('equals the walk used for training, over the quantised weights', async () => {
    const { ngramScore, ngramTable } = await import('../../src/gate/features.js');
    const indices = Array.from({ length: 1 << 10 }, (_, i) => i);
    const table = ngramTable(1 << 10, indices, indices.map((i) => Math.sin(i)));
    for (const text of ['Prove that 3 divides n^3 - n.', '一共有多少个球？', 'a', '']) {
      let sum = 0;
      const count = forEachNgramBucket(text, 10, (b) => (sum += (table.codes[b] ?? 0) * table.scale));
      expect(ngramScore(text, table, 10)).toBeCloseTo(count === 0 ? 0 : sum / Math.sqrt(count), 9);
    }
  });

  it('quantises every weight to within half a step, the largest exactly, and leaves unlisted buckets at 0', async () => {
    const { ngramTable } = await import('../../src/gate/features.js');
    const weights = [1.4528, -0.0075973, 0.0024856, -1.3339, 0.00001];
    const table = ngramTable(16, [3, 5, 7, 9, 11], weights);
    expect(table.scale).toBeCloseTo(1.4528 / 32767, 12);
    weights.forEach((w, k) => {
      const bucket = [3, 5, 7, 9, 11][k] ?? 0;
      expect(Math.abs((table.codes[bucket] ?? 0) * table.scale - w)).toBeLessThanOrEqual(table.scale / 2);
    });
    expect(table.codes[3]).toBe(32767);
    expect([0, 1, 2, 4, 15].map((b) => table.codes[b])).toEqual([0, 0, 0, 0, 0]);
    expect(ngramTable(4, [], []).codes).toEqual(new Int16Array(4));
  });
});
