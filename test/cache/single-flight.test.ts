import { describe, expect, it } from 'vitest';
import { SingleFlight, type Follower, type Leader } from '../../src/cache/single-flight.js';

describe('SingleFlight', () => {
  it('makes the first caller the leader and shares its value with followers', async () => {
    const flights = new SingleFlight<string>();
    const lead = flights.acquire('k') as Leader<string>;
    const f1 = flights.acquire('k') as Follower<string>;
    const f2 = flights.acquire('k') as Follower<string>;
    expect([lead.role, f1.role, f2.role]).toEqual(['leader', 'follower', 'follower']);
    expect(flights.acquire('other').role).toBe('leader');
    lead.settle('answer');
    expect(await Promise.all([f1.result, f2.result])).toEqual(['answer', 'answer']);
    expect(flights.coalesced).toBe(2);
    expect(flights.acquire('k').role).toBe('leader');
  });

  it('after a failed leader, exactly one follower takes the lead and the others follow it', async () => {
    const flights = new SingleFlight<string>();
    const lead = flights.acquire('k') as Leader<string>;
    const followers = [1, 2, 3].map(() => flights.acquire('k') as Follower<string>);
    const outcomes = followers.map(async (f) => {
      let slot: Leader<string> | Follower<string> = f;
      for (;;) {
        if (slot.role === 'leader') {
          // The new leader's own work takes a while (an upstream call); the others are waiting by then.
          await new Promise((r) => setImmediate(r));
          slot.settle('second try');
          return 'led';
        }
        const v = await slot.result;
        if (v !== undefined) return v;
        slot = flights.acquire('k');
      }
    });
    lead.settle(undefined);
    expect((await Promise.all(outcomes)).sort()).toEqual(['led', 'second try', 'second try']);
  });

  it('ignores a second settle', async () => {
    const flights = new SingleFlight<number>();
    const lead = flights.acquire('k') as Leader<number>;
    const f = flights.acquire('k') as Follower<number>;
    lead.settle(1);
    lead.settle(2);
    expect(await f.result).toBe(1);
    expect(flights.inFlight).toBe(0);
  });
});
