import { hostname } from 'node:os';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config/schema.js';

/** Longest a log line waits in the user-space buffer on a quiet gateway. */
const FLUSH_INTERVAL_MS = 250;
/**
 * Lines are handed to the file descriptor in batches of about this many characters when traffic is high: each
 * asynchronous write is a thread-pool round trip, so fewer, larger writes cost less CPU per line (a cache hit
 * used ~3–11 % less CPU with 60,000 than with 8,192, `bench/results/2026-11-29-exp-batch64.json`).
 */
const BATCH_CHARS = 60_000;
/** SonicBoom's largest single write (its default, 16 KB, would split every batch in four). */
const MAX_WRITE_BYTES = 65_536;

type SonicBoom = ReturnType<typeof pino.destination>;

/**
 * Joins lines into one string and hands SonicBoom a whole batch at a time. SonicBoom measures the UTF-8 length of
 * its pending buffer on every `write` (`Buffer.byteLength` over up to 16 KB), which made each ~600-byte request
 * line cost ~6 µs of CPU; appending to a string here is a pointer operation, and the batch is measured once.
 */
class LineBatcher implements DestinationStream {
  private batch = '';
  /** Set when a line arrived since the last timer flush: an idle gateway makes no empty writes. */
  pending = false;

  constructor(
    private readonly sonic: SonicBoom,
    private readonly batchChars: number,
  ) {}

  write(line: string): void {
    this.pending = true;
    this.batch += line;
    if (this.batch.length >= this.batchChars) this.drain();
  }

  /** Hands the batch to SonicBoom (which writes asynchronously). */
  drain(): void {
    if (this.batch === '') return;
    const out = this.batch;
    this.batch = '';
    this.sonic.write(out);
  }

  /**
   * Drains the batch and asks SonicBoom to write. With `done`, waits for SonicBoom's `drain`: only for close,
   * never from the timer — under steady load the buffer may not empty between ticks, and every waiting call
   * would leave a listener behind.
   */
  flush(done?: () => void): void {
    this.drain();
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
  const sonic = pino.destination({ dest, sync: false, minLength: 1, maxWrite: MAX_WRITE_BYTES });
  const lines = new LineBatcher(sonic, BATCH_CHARS);
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
  const infoLevel = logger.levels.values.info ?? 30;
  const head = `{"level":${infoLevel},"time":`;
  // The message is the same on every request line: its JSON is made once per distinct message.
  let lastMsg = '';
  let lastTail = '';
  const writeInfoLine = (fieldsJson: string, msg: string): void => {
    if (!logger.isLevelEnabled('info')) return;
    if (msg !== lastMsg) {
      lastMsg = msg;
      lastTail = `,"msg":${JSON.stringify(msg)}}\n`;
    }
    // `fieldsJson` is `{...}`: its fields go between pino's bindings and the message (`{}` adds none).
    const line = fieldsJson.length <= 2 ? `${head}${Date.now()}${framePrefix}${lastTail}` : `${head}${Date.now()}${framePrefix},${fieldsJson.slice(1, -1)}${lastTail}`;
    lines.write(line);
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
