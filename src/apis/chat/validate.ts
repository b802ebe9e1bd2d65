import { isRecord } from '../../core/types.js';
import { bodyNotObjectError, validationError } from '../../core/validation-errors.js';
import { chatRequestSchema, type ChatRequest } from './schema.js';

/**
 * Validates a chat request body against what OpenAI accepts; the first problem becomes the 400 OpenAI would send
 * (`invalid_type`, `missing_required_parameter` or `invalid_value`, with `param`), see core/validation-errors.ts.
 */
export function validateChatRequest(body: unknown): ChatRequest {
  if (!isRecord(body)) throw bodyNotObjectError(body, 'invalid_type');
  const result = chatRequestSchema.safeParse(body);
  if (result.success) return result.data;
  throw validationError(result.error, body);
}
