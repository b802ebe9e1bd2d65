import type { ServerResponse } from 'node:http';
import { once } from 'node:events';

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
      await Promise.race([once(this.res, 'drain'), once(this.res, 'close')]);
    }
  }

  end(text?: string): void {
    if (this.closed) return;
    if (this.firstByteAt === null) this.firstByteAt = performance.now();
    this.res.end(text);
  }
}
