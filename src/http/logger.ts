import pino, { type Logger } from 'pino';
import type { Config } from '../config/schema.js';

/**
 * The process logger. Pino's default stdout destination writes synchronously: at info every chat request pays a
 * blocking write(2) on the event loop (5 % of the gateway's CPU in the profile, more when stdout is a slow pipe).
 * An asynchronous SonicBoom destination queues lines and writes them off the request path; `minLength: 0` keeps
 * lines unbuffered in user space, so a quiet gateway still logs each request at once. `flush` drains on close.
 */
export function createLogger(log: Config['log'], redactPaths: string[]): { logger: Logger; flush: () => Promise<void> } {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 0 });
  const logger = pino({ level: log.level, redact: { paths: redactPaths, censor: '[redacted]' } }, destination);
  const flush = (): Promise<void> =>
    new Promise((resolve) => {
      // Nothing queued or the fd already gone: flushing is best effort, never a reason to fail shutdown.
      try {
        destination.flush(() => resolve());
      } catch {
        resolve();
      }
    });
  return { logger, flush };
}
