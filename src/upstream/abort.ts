/**
 * Cancelling an upstream call: when the client goes away (unfinished thinking is wasted compute) or the upstream's
 * total time runs out. perf: one light object per call instead of an `AbortController` (its `AbortSignal` is an
 * EventTarget, the costliest object a request made: ~2–5 µs to create, listen to and unlisten), a `setTimeout`
 * and a close listener. undici accepts any signal with `aborted`, `reason` and `addEventListener` /
 * `removeEventListener` for `abort` (its `addSignal`), which is all this implements.
 */

type AbortListener = () => void;

/** One upstream call's abort signal. Aborts once; listeners run synchronously, in the order they were added. */
export class UpstreamAbort {
  aborted = false;
  reason: unknown = undefined;
  /** The client closed its connection before the answer was finished. */
  clientGone = false;
  /** The upstream's total time ran out (`deadline` passed). */
  timedOut = false;
  /** The listener undici adds per request; a second one (a retry's sleep) goes to `more`. */
  private first: AbortListener | null = null;
  private more: AbortListener[] | null = null;

  constructor(
    /** `performance.now()` after which the call is aborted with `timeoutError()`. */
    readonly deadline: number,
    private readonly timeoutError: () => unknown,
  ) {}

  addEventListener(type: string, listener: AbortListener): void {
    if (type !== 'abort' || this.aborted) return;
    if (this.first === null) this.first = listener;
    else (this.more ??= []).push(listener);
  }

  removeEventListener(type: string, listener: AbortListener): void {
    if (type !== 'abort') return;
    if (this.first === listener) this.first = null;
    else if (this.more !== null) {
      const i = this.more.indexOf(listener);
      if (i !== -1) this.more.splice(i, 1);
    }
  }

  /** Aborts the call (idempotent): `reason` is what undici rejects with (undefined: its RequestAbortedError). */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const first = this.first;
    const more = this.more;
    this.first = null;
    this.more = null;
    first?.();
    if (more !== null) for (const listener of more) listener();
  }

  /**
   * The client went away. The reason is what `AbortController.abort()` gives (a DOMException named AbortError), so
   * undici and a retry's sleep reject with what they did before this class replaced the controller.
   */
  clientClosed(): void {
    if (this.aborted) return;
    this.clientGone = true;
    this.abort(new DOMException('This operation was aborted', 'AbortError'));
  }

  /** Called by the sweep once `deadline` has passed. */
  expire(): void {
    if (this.aborted) return;
    this.timedOut = true;
    this.abort(this.timeoutError());
  }

  /** This object as the `AbortSignal` the upstream readers and undici take (they read only what is implemented here). */
  get signal(): AbortSignal {
    return this as unknown as AbortSignal;
  }
}

/**
 * The total-time limit of every call in flight to one upstream, kept by one interval timer instead of a
 * `setTimeout` per call: calls join a set, and a tick aborts those whose deadline has passed. A call is aborted
 * between its deadline and one tick after it; the tick is a twentieth of the limit (at most 1 s, at least 5 ms),
 * so the limit is kept to within 5 %. The timer runs only while calls are in flight and never holds the process.
 */
export class DeadlineSweep {
  private readonly live = new Set<UpstreamAbort>();
  private timer: NodeJS.Timeout | null = null;
  readonly tickMs: number;

  constructor(
    readonly totalMs: number,
    /** The reason a call past its deadline is aborted with (what its reader rethrows). */
    private readonly timeoutError: () => unknown,
  ) {
    this.tickMs = Math.min(1_000, Math.max(5, Math.floor(totalMs / 20)));
  }

  /** A new call's signal, tracked until `release` (or its deadline). */
  start(): UpstreamAbort {
    const call = new UpstreamAbort(performance.now() + this.totalMs, this.timeoutError);
    this.live.add(call);
    if (this.timer === null) {
      this.timer = setInterval(() => this.sweep(), this.tickMs);
      this.timer.unref();
    }
    return call;
  }

  /** The call finished (answered, failed or aborted): it no longer needs its deadline. */
  release(call: UpstreamAbort): void {
    this.live.delete(call);
  }

  get inFlight(): number {
    return this.live.size;
  }

  private sweep(): void {
    const now = performance.now();
    for (const call of this.live) {
      if (now < call.deadline) continue;
      this.live.delete(call);
      call.expire();
    }
    if (this.live.size === 0) this.stop();
  }

  private stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Stops the timer; calls still in flight keep their signal but lose their deadline (the app is closing). */
  close(): void {
    this.stop();
    this.live.clear();
  }
}
