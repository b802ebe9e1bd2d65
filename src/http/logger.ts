import pino, { type Logger } from 'pino';
import type { Config } from '../config/schema.js';

/** Longest a log line waits in the user-space buffer on a quiet gateway. */
const FLUSH_INTERVAL_MS = 250;
/** Lines are written in batches of about this many bytes when traffic is high (one write(2) per ~10 request lines). */
const BATCH_BYTES = 4096;

/**
 * The process logger. Pino's default stdout destination writes synchronously: at info every chat request paid a
 * blocking write(2) on the event loop (about 5 % of the gateway's CPU in the profile, more when stdout is a slow
 * pipe). Here lines go to an asynchronous SonicBoom destination that batches them; a timer flushes what a quiet
 * gateway has buffered, so a line is never more than FLUSH_INTERVAL_MS late. Pino itself flushes synchronously on
 * process exit; `close` flushes and stops the timer when the app closes.
 */
export function createLogger(log: Config['log'], redactPaths: string[]): { logger: Logger; close: () => Promise<void> } {
  const destination = pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES });
  /** Whether lines arrived since the last timer flush: an idle gateway makes no empty writes. */
  let pending = false;
  const logger = pino(
    {
      level: log.level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      hooks: {
        streamWrite: (line) => {
          pending = true;
          return line;
        },
      },
    },
    destination,
  );
  const flushPending = (): void => {
    if (!pending) return;
    pending = false;
    try {
      destination.flush();
    } catch {
      // destination already closed
    }
  };
  const flush = (): Promise<void> =>
    new Promise((resolve) => {
      // Best effort: a destination that is gone (closed fd) is never a reason to fail a request or shutdown.
      try {
        destination.flush(() => resolve());
      } catch {
        resolve();
      }
    });
  const timer = setInterval(flushPending, FLUSH_INTERVAL_MS);
  timer.unref();
  return {
    logger,
    close: async () => {
      clearInterval(timer);
      await flush();
    },
  };
}
