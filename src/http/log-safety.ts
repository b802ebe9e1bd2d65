import { GatewayError, UpstreamHttpError } from '../errors.js';

/**
 * What of a failed request's error may go into a log line. An upstream's error message can quote the prompt
 * ("invalid content: …") and is the upstream's own words, not our bug: only its status and codes are logged.
 * Our own errors keep message and stack (they are what an operator needs to fix us).
 */
export function errorForLog(err: unknown): Record<string, unknown> | unknown {
  if (err instanceof UpstreamHttpError) {
    return { type: 'UpstreamHttpError', status: err.status, errorType: err.type, code: err.code, param: err.param };
  }
  if (err instanceof GatewayError && err.code !== null && err.code.startsWith('upstream_')) {
    // Transport failures: the cause (an undici error) says which socket failure; messages are ours.
    const cause = err.cause instanceof Error ? { name: err.cause.name, code: (err.cause as { code?: unknown }).code } : undefined;
    return { type: 'GatewayError', status: err.status, code: err.code, message: err.message, cause };
  }
  return err;
}
