import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apgr, cpt, pgrCurve, type RoutedOutcome } from '../../src/gate/metrics.js';

const routed = (scores: number[], gains: [number, number][]): RoutedOutcome[] => scores.map((score, i) => ({ score, strong: gains[i]?.[0] ?? 0, weak: gains[i]?.[1] ?? 0 }));

describe('the PGR curve, APGR and CPT (RouteLLM §5.1)', () => {
  it('follow the curve worked out by hand', () => {
    // Gains in score order: 1, 0, 1, 0 of a total gap of 2 → PGR 0, .5, .5, 1, 1.
    const outcomes = routed([4, 3, 2, 1], [[1, 0], [1, 1], [1, 0], [0, 0]]);
    expect([...(pgrCurve(outcomes) ?? [])]).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(apgr(outcomes)).toBeCloseTo(0.625, 12);
    // 50 % of the gap after the first call of four; 80 % 60 % of the way through the third.
    expect(cpt(outcomes, 0.5)).toBeCloseTo(0.25, 12);
    expect(cpt(outcomes, 0.8)).toBeCloseTo(0.65, 12);
    expect(cpt(outcomes, 0)).toBe(0);
  });

  it('take the first crossing when a prompt the strong model fails comes first', () => {
    // Gains −1, 1, 1 of a total 1 → PGR 0, −1, 0, 1: half the gap is reached halfway through the third call.
    const outcomes = routed([3, 2, 1], [[0, 1], [1, 0], [1, 0]]);
    expect([...(pgrCurve(outcomes) ?? [])]).toEqual([0, -1, 0, 1]);
    expect(cpt(outcomes, 0.5)).toBeCloseTo(2.5 / 3, 12);
  });

  it('are NaN (no curve) when the two models perform alike', () => {
    const alike = routed([2, 1], [[1, 0], [0, 1]]);
    expect(pgrCurve(alike)).toBeNull();
    expect(apgr(alike)).toBeNaN();
    expect(cpt(alike, 0.5)).toBeNaN();
    expect(apgr([])).toBeNaN();
  });

  it('treat tied scores as a random order: one score for every prompt is random routing (APGR 0.5, CPT(x) = x)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })), { minLength: 1, maxLength: 40 }), (pairs) => {
        const outcomes = pairs.map(([strong, weak]) => ({ score: 0.5, strong, weak }));
        const gap = pairs.reduce((s, [a, b]) => s + a - b, 0);
        if (gap === 0) return;
        expect(apgr(outcomes)).toBeCloseTo(0.5, 9);
        expect(cpt(outcomes, 0.5)).toBeCloseTo(0.5, 9);
        expect(cpt(outcomes, 0.8)).toBeCloseTo(0.8, 9);
      }),
    );
  });

  it('ranking the prompts the weak model fails first never needs more calls than ranking them last', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })), { minLength: 2, maxLength: 40 }), (pairs) => {
        const gain = (p: [number, number]): number => p[0] - p[1];
        if (pairs.reduce((s, p) => s + gain(p), 0) <= 0) return;
        const best = pairs.map((p) => ({ score: gain(p), strong: p[0], weak: p[1] }));
        const worst = pairs.map((p) => ({ score: -gain(p), strong: p[0], weak: p[1] }));
        expect(apgr(best)).toBeGreaterThanOrEqual(apgr(worst) - 1e-12);
        expect(cpt(best, 0.8)).toBeLessThanOrEqual(cpt(worst, 0.8) + 1e-12);
      }),
    );
  });
});
