import { badRequest } from '../../errors.js';
import { isRecord } from '../../core/types.js';
import { chatRequestSchema, type ChatRequest } from './schema.js';

/** Validates a chat request body; the first problem becomes a 400 naming the field (`param`), as OpenAI does. */
export function validateChatRequest(body: unknown): ChatRequest {
  if (!isRecord(body)) throw badRequest('The request body must be a JSON object.', null, 'invalid_body');
  const result = chatRequestSchema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  const param = path === '' ? null : path;
  if (issue?.code === 'invalid_type' && issue.input === undefined) {
    throw badRequest(`Missing required parameter: '${path}'.`, param, 'missing_required_parameter');
  }
  throw badRequest(`Invalid value for '${path || 'body'}': ${issue?.message ?? 'invalid request'}`, param, 'invalid_value');
}
