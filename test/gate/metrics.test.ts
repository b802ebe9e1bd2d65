import { describe, expect, it } from 'vitest';
import { computeMetrics, rocAuc, thresholdForRecall, thresholdForShare } from '../../src/gate/metrics.js';

const ex = (score: number, reasoning: boolean) => ({ score, reasoning });

describe('rocAuc', () => {
  it('is 1 for perfect separation, 0 for inverted, 0.5 for all ties', () => {
    expect(rocAuc([ex(0.9, true), ex(0.8, true), ex(0.1, false)])).toBe(1);
    expect(rocAuc([ex(0.1, true), ex(0.9, false)])).toBe(0);
    expect(rocAuc([ex(0.5, true), ex(0.5, false), ex(0.5, false)])).toBe(0.5);
  });

  it('counts pairwise orderings', () => {
    // positives 0.8, 0.4; negatives 0.6, 0.2 → pairs won: (0.8>0.6),(0.8>0.2),(0.4>0.2) = 3 of 4
    expect(rocAuc([ex(0.8, true), ex(0.4, true), ex(0.6, false), ex(0.2, false)])).toBe(0.75);
  });

  it('is NaN with one class', () => {
    expect(rocAuc([ex(0.3, true)])).toBeNaN();
  });
});

describe('thresholds', () => {
  it('finds the threshold that keeps the requested recall', () => {
    const examples = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05].map((s) => ex(s, true));
    expect(thresholdForRecall(examples, 0.9)).toBe(0.1); // 9 of 10 positives at or above
    expect(thresholdForRecall(examples, 0.5)).toBe(0.5);
    expect(thresholdForRecall(examples, 1)).toBe(0.05);
  });

  it('finds the threshold that sends a share to reasoning', () => {
    const scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
    const t = thresholdForShare(scores, 0.3);
    expect(scores.filter((s) => s >= t).length).toBe(3);
    expect(scores.filter((s) => s >= thresholdForShare(scores, 0)).length).toBe(0);
  });
});

describe('computeMetrics', () => {
  it('reports recall, kept, accuracy and savings at 95% recall', () => {
    const examples = [ex(0.9, true), ex(0.7, true), ex(0.4, true), ex(0.6, false), ex(0.3, false), ex(0.1, false), ex(0.05, false)];
    const m = computeMetrics(examples, 0.5);
    expect(m.reasoningRecall).toBeCloseTo(2 / 3);
    expect(m.directKept).toBeCloseTo(3 / 4);
    expect(m.accuracy).toBeCloseTo(5 / 7);
    expect(m.reasoningShare).toBeCloseTo(3 / 7);
    // 95% recall needs all three positives → threshold 0.4 → direct below 0.4: 0.3, 0.1, 0.05
    expect(m.thresholdAt95).toBe(0.4);
    expect(m.savingsAt95).toBeCloseTo(3 / 4);
  });

  it('leaves savings undefined without both classes', () => {
    expect(computeMetrics([ex(0.2, false)], 0.5).savingsAt95).toBeNaN();
  });
});
