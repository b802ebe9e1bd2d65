/**
 * Coalesces identical work in flight: the first caller for a key leads (does the work), later callers follow
 * (wait for the leader's value). A leader that fails, is aborted, or produces nothing shareable settles with
 * `undefined`; its followers then call `acquire` again and the first of them becomes the new leader, so no
 * follower is lost with its leader. Pure bookkeeping: no I/O, no timers.
 */

export interface Leader<T> {
  role: 'leader';
  /** Must be called exactly once, in a `finally`: the value to share, or undefined when there is none. */
  settle(value: T | undefined): void;
}

export interface Follower<T> {
  role: 'follower';
  /** The leader's value, or undefined when the leader had none (acquire again to take over). */
  result: Promise<T | undefined>;
}

export class SingleFlight<T> {
  private readonly flights = new Map<string, Promise<T | undefined>>();
  /** Followers served by a leader's value (the number of upstream calls saved by coalescing). */
  coalesced = 0;

  get inFlight(): number {
    return this.flights.size;
  }

  acquire(key: string): Leader<T> | Follower<T> {
    const existing = this.flights.get(key);
    if (existing !== undefined) {
      return {
        role: 'follower',
        result: existing.then((value) => {
          if (value !== undefined) this.coalesced++;
          return value;
        }),
      };
    }
    let resolve: (value: T | undefined) => void = () => {};
    const promise = new Promise<T | undefined>((r) => (resolve = r));
    this.flights.set(key, promise);
    let settled = false;
    return {
      role: 'leader',
      settle: (value) => {
        if (settled) return;
        settled = true;
        // Removed before followers wake, so the first follower to re-acquire finds the key free and leads.
        if (this.flights.get(key) === promise) this.flights.delete(key);
        resolve(value);
      },
    };
  }
}
