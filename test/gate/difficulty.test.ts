import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIFFICULTY_SIZE, difficultyFeatures, scan, scoreDifficulty } from '../../src/gate/difficulty.js';
import { calibrateDifficulty, fitDifficulty, parseDifficultyJsonl, type DifficultyRow } from '../../src/gate/difficulty-training.js';
import { foldScore } from '../../src/gate/fold.js';
import { DEFAULT_FIRST_STAGE, decide } from '../../src/gate/decide.js';
import { createHeuristicGate } from '../../src/gate/heuristic.js';
import { apgr, spearman } from '../../src/gate/metrics.js';

const easy = 'Tom has 3 apples and buys 2 more. How many apples does he have?';
const hard =
  'A store sells notebooks for $3 each and pens for $2 each. On Monday it sold twice as many pens as notebooks, and on Tuesday it sold 15 more notebooks than on Monday but half as many pens. If the total revenue over both days was $410, and each customer bought at least one item, how many notebooks were sold on Monday? After that, what percent of the revenue came from pens?';

describe('difficulty within a domain', () => {
  it('ranks a longer problem with more quantities and conditions above a one-step one, in both languages', () => {
    expect(scoreDifficulty(hard)).toBeGreaterThan(scoreDifficulty(easy) + 0.2);
    expect(scoreDifficulty('小明有3个苹果，又买了2个，一共有几个？')).toBeLessThan(
      scoreDifficulty('甲乙两人同时从A、B两地相向而行，甲每小时走5千米，乙每小时走4千米，相遇后甲继续走了2小时到达B地。如果乙比甲晚出发半小时，两人在距中点多远处相遇？A、B两地相距多少千米？'),
    );
  });

  it('is 0 for empty text and a number in 0..1 for hostile input', () => {
    expect(scoreDifficulty('   ')).toBe(0);
    for (const text of ['\ud800 lone', '🙂🙂🙂', 'x'.repeat(10 * 1024 * 1024), '1'.repeat(5000), '\\frac{a}{b}'.repeat(500)]) {
      const d = scoreDifficulty(text);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(1);
    }
  });

  it('counts quantities, sentences and single-letter variables in one pass', () => {
    expect(scan('It costs 3.50 and 1,000 units; x + y = 12.')).toMatchObject({ quantities: 3, variables: 2, sentences: 2 });
    expect(scan('\\frac{a}{b} and $n$')).toMatchObject({ variables: 3 });
    expect(scan('一共有12个。还剩几个？')).toMatchObject({ quantities: 1, sentences: 2, cjk: 8 });
  });

  it('fits the within-source ranking and calibrates the median to 0.5', () => {
    const rows: DifficultyRow[] = [];
    for (let i = 0; i < 40; i++) {
      const steps = (i % 5) + 1;
      const prompt = `${'If she buys 2 more each day, '.repeat(steps)}how many does she have?`;
      rows.push({ id: `a${i}`, prompt, lang: 'en', source: i < 20 ? 'a' : 'b', domain: 'math', difficulty: steps / 5 });
    }
    const model = calibrateDifficulty(fitDifficulty(rows, { l2: 0.1, use: [0, 1, 5, 7] }), rows.map((r) => r.prompt));
    expect(model.weights).toHaveLength(DIFFICULTY_SIZE);
    const scores = rows.map((r) => scoreDifficulty(r.prompt, r.prompt.length, model));
    expect(spearman(scores, rows.map((r) => r.difficulty))).toBeGreaterThan(0.9);
    const sorted = [...scores].sort((x, y) => x - y);
    expect(sorted[20]).toBeGreaterThan(0.3);
    expect(sorted[20]).toBeLessThan(0.7);
    expect(difficultyFeatures('abc', 3, model.weights)[6]).toBe(0); // a feature without weight is not computed
  });

  it('parses difficulty.jsonl lines and names a bad line', () => {
    expect(parseDifficultyJsonl('{"id":1,"prompt":"p","source":"s","difficulty":0.5}\n')).toMatchObject([{ id: '1', difficulty: 0.5, domain: 'unknown' }]);
    expect(() => parseDifficultyJsonl('{"id":1,"prompt":"p","source":"s","difficulty":2}\n', 'd.jsonl')).toThrow(/d\.jsonl:1/);
    expect(() => parseDifficultyJsonl('nope\n', 'd.jsonl')).toThrow(/d\.jsonl:1: not valid JSON/);
  });
});

describe('the difficulty fold', () => {
  it('never moves a prompt across the threshold', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (need, difficulty, t) => {
        const score = foldScore(need, difficulty, t);
        expect(score >= t).toBe(need >= t);
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(1);
      }),
      { numRuns: 2000 },
    );
  });

  it('orders confident reasoning by difficulty, uncertain reasoning by need and difficulty below it, and direct by both', () => {
    expect(foldScore(0.9, 0.8, 0.35)).toBeGreaterThan(foldScore(0.9, 0.2, 0.35));
    expect(foldScore(0.6, 0.9, 0.35)).toBeGreaterThan(foldScore(0.99, 0.1, 0.35));
    // Just above the threshold (uncertain): need and difficulty both count, and every confident prompt ranks higher.
    expect(foldScore(0.45, 0.5, 0.35)).toBeGreaterThan(foldScore(0.4, 0.5, 0.35));
    expect(foldScore(0.4, 0.9, 0.35)).toBeGreaterThan(foldScore(0.4, 0.1, 0.35));
    expect(foldScore(0.6, 0.01, 0.35)).toBeGreaterThan(foldScore(0.45, 0.99, 0.35));
    expect(foldScore(0.3, 0.3, 0.35)).toBeGreaterThan(foldScore(0.05, 0.3, 0.35));
    expect(foldScore(0.3, 0.9, 0.35)).toBeGreaterThan(foldScore(0.3, 0.1, 0.35));
  });

  it('is what the gate prints, with need and difficulty beside it', () => {
    const gate = createHeuristicGate({ threshold: 0.35 });
    const decision = gate.score({ messages: [{ role: 'user', content: hard }] });
    expect(decision.route).toBe('reasoning');
    expect(decision.score).toBeCloseTo(foldScore(decision.need ?? 0, decision.difficulty ?? 0, 0.35), 12);
    expect(decision.reasons.at(-1)).toMatch(/^difficulty_(?:low|medium|high)$/);
    const easier = gate.score({ messages: [{ role: 'user', content: `${easy} Explain your reasoning.` }] });
    expect(easier.route).toBe('reasoning');
    expect(easier.score).toBeLessThan(decision.score);
  });
});

describe('APGR and Spearman', () => {
  const outcomes = [
    { strong: 1, weak: 0 },
    { strong: 1, weak: 1 },
    { strong: 1, weak: 0 },
    { strong: 0, weak: 0 },
  ];
  it('is high when the prompts the weak model fails come first, low when last, 0.5 when the scores say nothing', () => {
    const best = apgr(outcomes.map((o, i) => ({ ...o, score: [4, 2, 3, 1][i] ?? 0 })));
    const worst = apgr(outcomes.map((o, i) => ({ ...o, score: [1, 4, 2, 3][i] ?? 0 })));
    const flat = apgr(outcomes.map((o) => ({ ...o, score: 0.5 })));
    expect(best).toBeCloseTo(0.75, 10);
    expect(worst).toBeLessThan(0.5);
    expect(flat).toBeCloseTo(0.5, 10);
    expect(apgr([{ score: 1, strong: 1, weak: 1 }])).toBeNaN();
  });
  it('Spearman: ±1 for monotone, NaN for constant', () => {
    expect(spearman([1, 2, 3], [10, 20, 30])).toBeCloseTo(1, 10);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 10);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe('two stages for long turns', () => {
  const long = `${'Background material that is long. '.repeat(60)}What is asked?`;
  const scripted = (windowScore: number, fullScore: number) => (text: string) => ({ score: text.length < long.length ? windowScore : fullScore, reasons: ['scripted'] });

  it('decides on the window when it is far from the threshold', () => {
    const d = decide(scripted(0.95, 0.1), { messages: [{ role: 'user', content: long }] }, { threshold: 0.35, firstStage: DEFAULT_FIRST_STAGE });
    expect(d).toMatchObject({ stage: 1, route: 'reasoning' });
  });

  it('reads the whole turn when the window leaves it close to the threshold', () => {
    const d = decide(scripted(0.4, 0.05), { messages: [{ role: 'user', content: long }] }, { threshold: 0.35, firstStage: DEFAULT_FIRST_STAGE });
    expect(d).toMatchObject({ stage: 2, route: 'direct' });
  });

  it('reads a short turn whole in the first stage, and a gate without a first stage always whole', () => {
    expect(decide(scripted(0.4, 0.4), { messages: [{ role: 'user', content: 'short' }] }, { threshold: 0.35, firstStage: DEFAULT_FIRST_STAGE }).stage).toBe(1);
    expect(decide(scripted(0.95, 0.1), { messages: [{ role: 'user', content: long }] }, { threshold: 0.35 })).toMatchObject({ stage: 1, route: 'direct' });
  });
});
