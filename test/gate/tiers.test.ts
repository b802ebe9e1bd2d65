import { describe, expect, it } from 'vitest';
import { defaultTiers, tierForScore } from '../../src/gate/tiers.js';

describe('tierForScore', () => {
  const tiers = {
    bands: [
      { from: 0.8, route: 'reasoning' as const, effort: 'high' as const },
      { from: 0, route: 'direct' as const },
      { from: 0.45, route: 'reasoning' as const, effort: 'low' as const },
    ],
  };

  it('maps score bands regardless of band order', () => {
    expect(tierForScore(0.1, tiers)).toEqual({ route: 'direct' });
    expect(tierForScore(0.45, tiers)).toEqual({ route: 'reasoning', effort: 'low' });
    expect(tierForScore(0.79, tiers)).toEqual({ route: 'reasoning', effort: 'low' });
    expect(tierForScore(0.8, tiers)).toEqual({ route: 'reasoning', effort: 'high' });
    expect(tierForScore(1, tiers)).toEqual({ route: 'reasoning', effort: 'high' });
  });

  it('goes direct below every band and for NaN', () => {
    expect(tierForScore(0.2, { bands: [{ from: 0.5, route: 'reasoning' }] })).toEqual({ route: 'direct' });
    expect(tierForScore(Number.NaN, tiers)).toEqual({ route: 'direct' });
  });

  it('derives default bands from the threshold', () => {
    const defaults = defaultTiers(0.5);
    expect(tierForScore(0.49, defaults).route).toBe('direct');
    expect(tierForScore(0.6, defaults)).toEqual({ route: 'reasoning', effort: 'low' });
    expect(tierForScore(0.95, defaults)).toEqual({ route: 'reasoning', effort: 'high' });
  });
});
