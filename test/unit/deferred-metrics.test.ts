import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DeferredCounter, DeferredHistogram } from '../../src/savings/deferred-metrics.js';

/** The deferred metrics must print exactly what prom-client's own metrics print for the same updates. */

const BUCKETS = [0.1, 0.25, 0.5, 1, 2.5];
const routes = fc.constantFrom('direct', 'reasoning', 'a"b\\c');
const value = fc.double({ min: 0, max: 5, noNaN: true });

/** One cell per route, made on first use: how the gateway's metrics hold their cells. */
function cellsByRoute<C>(make: (route: string) => C): (route: string) => C {
  const cells = new Map<string, C>();
  return (route) => {
    let cell = cells.get(route);
    if (cell === undefined) {
      cell = make(route);
      cells.set(route, cell);
    }
    return cell;
  };
}

describe('DeferredHistogram', () => {
  it('prints the same exposition as a prom-client Histogram fed the same observations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(routes, value), { maxLength: 40 }), async (observations) => {
        const reference = new Registry();
        const deferred = new Registry();
        const ref = new Histogram({ name: 'h_seconds', help: 'help text', labelNames: ['route'], buckets: BUCKETS, registers: [reference] });
        const ours = new DeferredHistogram<'route'>({ name: 'h_seconds', help: 'help text', buckets: BUCKETS, registers: [deferred] });
        const cell = cellsByRoute((route) => ours.cell({ route }));
        for (const [route, v] of observations) {
          ref.observe({ route }, v);
          cell(route).observe(v);
        }
        expect(await deferred.metrics()).toBe(await reference.metrics());
      }),
      { numRuns: 100 },
    );
  });

  it('counts a value equal to a bound in that bound’s bucket, as Prometheus `le` means', async () => {
    const registry = new Registry();
    const h = new DeferredHistogram<'route'>({ name: 'h', help: 'h', buckets: [1, 2], registers: [registry] });
    h.cell({ route: 'x' }).observe(1);
    const text = await registry.metrics();
    expect(text).toContain('h_bucket{le="1",route="x"} 1');
    expect(text).toContain('h_bucket{le="+Inf",route="x"} 1');
  });

  it('refuses a non-finite value, as prom-client does', () => {
    const h = new DeferredHistogram<'route'>({ name: 'h', help: 'h', buckets: [1], registers: [new Registry()] });
    expect(() => h.cell({ route: 'x' }).observe(Number.NaN)).toThrow(TypeError);
  });

  it('exports nothing for a series never observed, and zeroes on resetMetrics', async () => {
    const registry = new Registry();
    const h = new DeferredHistogram<'route'>({ name: 'h', help: 'h', buckets: [1], registers: [registry] });
    const cell = h.cell({ route: 'x' });
    expect(await registry.metrics()).not.toContain('h_count');
    cell.observe(0.5);
    expect(await registry.metrics()).toContain('h_count{route="x"} 1');
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('h_count');
  });
});

describe('DeferredCounter', () => {
  it('prints the same exposition as a prom-client Counter fed the same increments', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(routes, fc.integer({ min: 1, max: 1000 })), { maxLength: 40 }), async (increments) => {
        const reference = new Registry();
        const deferred = new Registry();
        const ref = new Counter({ name: 'c_total', help: 'help', labelNames: ['route'], registers: [reference] });
        const ours = new DeferredCounter<'route'>({ name: 'c_total', help: 'help', labelNames: ['route'], registers: [deferred] });
        const cell = cellsByRoute((route) => ours.cell({ route }));
        for (const [route, n] of increments) {
          ref.inc({ route }, n);
          cell(route).value += n;
        }
        expect(await deferred.metrics()).toBe(await reference.metrics());
      }),
      { numRuns: 100 },
    );
  });
});
