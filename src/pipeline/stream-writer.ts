import type { ServerResponse } from 'node:http';

/**
 * Writes SSE text to the client with backpressure: when the socket buffer is full, waits for drain,
 * which in turn slows the read from the upstream. Closed sockets make writes no-ops.
 */
export class SseWriter {
  firstByteAt: number | null = null;

  constructor(private readonly res: ServerResponse) {}

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  async write(text: string): Promise<void> {
    if (this.closed || text.length === 0) return;
    if (this.firstByteAt === null) this.firstByteAt = performance.now();
    if (!this.res.write(text)) {
      await drainOrClose(this.res);
    }
  }

  end(text?: string): void {
    if (this.closed) return;
    if (this.firstByteAt === null) this.firstByteAt = performance.now();
    this.res.end(text);
  }
}

/**
 * Resolves on 'drain' or 'close', whichever comes first, and removes both listeners: racing two `events.once`
 * promises left the loser registered, one more listener per backpressure wait on a long stream.
 */
function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
