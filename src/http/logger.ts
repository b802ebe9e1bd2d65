import { hostname } from 'node:os';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config/schema.js';

/** Longest a log line waits in the user-space buffer on a quiet gateway. */
const FLUSH_INTERVAL_MS = 250;
/** SonicBoom's largest single write (its default, 16 KB, would split every batch in four), and a batch's size. */
const BATCH_BYTES = 65_536;

/** A SonicBoom in `contentMode: 'buffer'` (its typings only describe the default string mode). */
interface BufferSonicBoom {
  write(data: Buffer): boolean;
  flush(cb?: (err?: Error) => void): void;
  flushSync(): void;
  /** -1 until the destination is open (a path opens asynchronously). */
  readonly fd: number;
  once(event: 'ready' | 'error', listener: () => void): unknown;
}

/**
 * Encodes lines straight into a 64 KB buffer and hands SonicBoom (in buffer mode) a whole batch at a time: each
 * asynchronous write is a thread-pool round trip, so fewer, larger writes cost less CPU per line (a cache hit used
 * ~3–11 % less CPU with ~60 KB batches than with 8 KB, `bench/results/2026-11-29-exp-batch64.json`). Encoding
 * each line as it comes (one `utf8Write`) replaced appending to a string batch, which SonicBoom then measured and
 * V8 flattened and encoded again: ~1.7 µs less per request line (3.3 against 4.9–5.5 µs with its serialisation,
 * in a loop of 300k lines).
 */
class LineBatcher implements DestinationStream {
  private buf = Buffer.allocUnsafe(BATCH_BYTES);
  private used = 0;
  /** Whether SonicBoom was ever handed a batch (see `flush`). */
  private handed = false;
  /** Set when a line arrived since the last timer flush: an idle gateway makes no empty writes. */
  pending = false;

  constructor(private readonly sonic: BufferSonicBoom) {}

  write(text: string): void {
    this.pending = true;
    // UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair, 2 units, takes 4).
    const worst = text.length * 3;
    if (this.used + worst > BATCH_BYTES) {
      this.drain();
      if (worst > BATCH_BYTES) {
        this.handed = true;
        this.sonic.write(Buffer.from(text, 'utf8'));
        return;
      }
    }
    this.used += this.buf.write(text, this.used, 'utf8');
  }

  /** Hands the batch to SonicBoom (which writes asynchronously) and starts a new one. */
  drain(): void {
    if (this.used === 0) return;
    const out = this.buf.subarray(0, this.used);
    this.buf = Buffer.allocUnsafe(BATCH_BYTES);
    this.used = 0;
    this.handed = true;
    this.sonic.write(out);
  }

  /**
   * Drains the batch and asks SonicBoom to write. With `done`, waits for SonicBoom's `drain`: only for close,
   * never from the timer — under steady load the buffer may not empty between ticks, and every waiting call
   * would leave a listener behind. With nothing ever written, waits only for the destination to be open:
   * SonicBoom 4.2's buffer mode throws (in a callback, so uncaught) when asked to flush nothing before that.
   */
  flush(done?: () => void): void {
    this.drain();
    if (!this.handed) {
      if (done === undefined) return;
      if (this.sonic.fd >= 0) done();
      else {
        this.sonic.once('ready', done);
        this.sonic.once('error', done);
      }
      return;
    }
    if (done === undefined) this.sonic.flush();
    else this.sonic.flush(() => done());
  }

  flushSync(): void {
    this.drain();
    this.sonic.flushSync();
  }
}

export interface OwnLogger {
  logger: Logger;
  /**
   * Writes an info line whose fields are already JSON (`{"a":1,...}`), framed as pino frames its own lines
   * (level, time, pid, hostname first, msg last), when info is enabled. For the fixed-shape per-request line,
   * serialised by a compiled serializer instead of pino's generic one; everything else logs through `logger`.
   */
  writeInfoLine: (fieldsJson: string, msg: string) => void;
  close: () => Promise<void>;
}

/**
 * The process logger. Pino's default stdout destination writes synchronously: at info every chat request paid a
 * blocking write(2) on the event loop (about 5 % of the gateway's CPU in the profile, more when stdout is a slow
 * pipe). Here lines are batched (LineBatcher) and written by an asynchronous SonicBoom; a timer flushes what a
 * quiet gateway has buffered, so a line is never more than FLUSH_INTERVAL_MS late. On process exit the batch is
 * written synchronously (before pino's own exit handler ends the SonicBoom); `close` flushes when the app closes.
 */
export function createLogger(log: Config['log'], redactPaths: string[], dest: number | string = 1): OwnLogger {
  // minLength 1, not 0: with 0 SonicBoom's flush() returns before the pending write has landed.
  const sonic = pino.destination({ dest, sync: false, minLength: 1, maxWrite: BATCH_BYTES, contentMode: 'buffer' }) as unknown as BufferSonicBoom;
  const lines = new LineBatcher(sonic);
  const logger = pino({ level: log.level, redact: { paths: redactPaths, censor: '[redacted]' } }, lines);
  // Best effort throughout: a destination that is gone (closed fd) is never a reason to fail a request or shutdown.
  const flushPending = (): void => {
    if (!lines.pending) return;
    lines.pending = false;
    try {
      lines.flush();
    } catch {
      // destination already closed
    }
  };
  const onExit = (): void => {
    try {
      lines.flushSync();
    } catch {
      // nothing left to write to
    }
  };
  process.prependListener('exit', onExit);
  const timer = setInterval(flushPending, FLUSH_INTERVAL_MS);
  timer.unref();
  // pino's default base bindings, as its own lines carry them.
  const framePrefix = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`;
  const head = `{"level":${logger.levels.values.info ?? 30},"time":`;
  let lastMsg = '';
  let lastTail = '';
  const writeInfoLine = (fieldsJson: string, msg: string): void => {
    if (!logger.isLevelEnabled('info')) return;
    if (msg !== lastMsg) {
      lastMsg = msg;
      lastTail = `,"msg":${JSON.stringify(msg)}}\n`;
    }
    const inner = fieldsJson.slice(1, -1);
    // Three writes, not one concatenated line: the fields are encoded once, straight into the batch.
    lines.write(`${head}${Date.now()}${framePrefix}${inner === '' ? '' : ','}`);
    lines.write(inner);
    lines.write(lastTail);
  };
  return {
    logger,
    writeInfoLine,
    close: () =>
      new Promise((resolve) => {
        clearInterval(timer);
        process.removeListener('exit', onExit);
        try {
          lines.flush(() => resolve());
        } catch {
          resolve();
        }
      }),
  };
}
