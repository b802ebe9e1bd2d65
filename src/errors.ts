/**
 * One error family for the whole gateway, mapped to the OpenAI error shape in one place
 * (`toOpenAIError`), so every failure a client sees looks like the API it expects.
 */

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'upstream_error'
  | 'timeout_error';

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class GatewayError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
  /** Extra response headers (e.g. Retry-After). */
  readonly headers: Record<string, string>;
  /**
   * A degradation its store already reports (a warning once per outage): the error handler does not log it again
   * per request. Why: during a Redis outage every stats poll and stored-response read logged an error line with a
   * stack trace, so a polling dashboard buried the one warning that said what was wrong.
   */
  readonly quiet: boolean;

  constructor(
    status: number,
    message: string,
    opts: { type?: string; param?: string | null; code?: string | null; headers?: Record<string, string>; cause?: unknown; quiet?: boolean } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GatewayError';
    this.status = status;
    this.type = opts.type ?? defaultType(status);
    this.param = opts.param ?? null;
    this.code = opts.code ?? null;
    this.headers = opts.headers ?? {};
    this.quiet = opts.quiet ?? false;
  }

  toJSON(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

function defaultType(status: number): OpenAIErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 504) return 'timeout_error';
  if (status === 502) return 'upstream_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null): GatewayError =>
  new GatewayError(400, message, { param, code });

/** Error raised when an upstream answered with an HTTP error: status and message pass through. */
export class UpstreamHttpError extends GatewayError {
  constructor(status: number, body: OpenAIErrorBody['error'], readonly retryAfter?: string) {
    super(status, body.message, {
      type: body.type,
      param: body.param,
      code: body.code,
      headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter },
    });
    this.name = 'UpstreamHttpError';
  }
}

/** The 400's message for a POST that carried no body (code `empty_body`). */
export const EMPTY_BODY_MESSAGE = 'The request body is empty: send a JSON object.';

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message: string;
  validation?: unknown;
}

/** Maps anything thrown while handling a request to status + OpenAI-shaped body. Never leaks internals for 5xx. */
export function toOpenAIError(err: unknown): { status: number; body: OpenAIErrorBody; headers: Record<string, string> } {
  if (err instanceof GatewayError) return { status: err.status, body: err.toJSON(), headers: err.headers };
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as FastifyLikeError;
  const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500;
  let message = status >= 500 ? 'Internal server error' : e.message;
  let code: string | null = null;
  if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e instanceof SyntaxError) {
    message = 'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly.)';
    code = 'invalid_json';
    return { status: 400, body: { error: { message, type: 'invalid_request_error', param: null, code } }, headers: {} };
  }
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    message = 'Request body is too large.';
    code = 'request_too_large';
  } else if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    message = 'Unsupported Content-Type: send application/json.';
    code = 'unsupported_media_type';
  } else if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    message = EMPTY_BODY_MESSAGE;
    code = 'empty_body';
  }
  return { status, body: { error: { message, type: defaultType(status), param: null, code } }, headers: {} };
}
