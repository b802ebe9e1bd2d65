import { z } from 'zod';
import { REASONING_EFFORTS, type CanonicalRequest } from '../../core/conversation.js';
import { anyInteger, integer, metadataSchema } from '../../core/validation-errors.js';

/**
 * The parts of an OpenAI chat-completions request the gateway reads or validates.
 * Objects are loose: every field we do not know passes through to the upstream unchanged.
 */

/**
 * A content part. Text parts need a string `text`; image, audio, file, refusal and any future part types are
 * carried, never inspected. One object schema (not a union of part shapes) so an error names the part's field.
 */
const contentPart = z.looseObject({ type: z.string() }).superRefine((part, ctx) => {
  if (part.type === 'text' && typeof part.text !== 'string') {
    ctx.addIssue({ code: 'invalid_type', expected: 'string', path: ['text'], input: part.text, message: 'text parts need a string "text"' });
  }
});

/**
 * Message content as OpenAI accepts it (the SDK's request types and the published OpenAPI description): a string,
 * empty included (clients send an empty system prompt when they have none), or a non-empty array of parts.
 */
const content = z.union([z.string(), z.array(contentPart).min(1)]);

const toolCall = z.looseObject({
  id: z.string().optional(),
  type: z.string().optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }).optional(),
});

/** A function tool's definition, as OpenAI requires it: a string `name`; an object `parameters` when given. */
const functionDefinition = z.looseObject({
  name: z.string(),
  description: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  strict: z.boolean().nullable().optional(),
});

/**
 * A tool. A `function` tool needs its `function` definition (OpenAI refuses it without one); other types (`custom`,
 * a provider's own) are carried, never inspected.
 */
const tool = z.looseObject({ type: z.string(), function: functionDefinition.optional() }).superRefine((t, ctx) => {
  if (t.type === 'function' && t.function === undefined) {
    ctx.addIssue({ code: 'invalid_type', expected: 'object', path: ['function'], input: undefined, message: 'function tools need a "function" object' });
  }
});

/** A `json_schema` response format's definition, as OpenAI requires it: a string `name`; an object `schema`. */
const jsonSchemaDefinition = z.looseObject({
  name: z.string(),
  description: z.string().optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
  strict: z.boolean().nullable().optional(),
});

/**
 * `response_format`. The `json_schema` type needs its definition (OpenAI refuses it without one); other types
 * (`text`, `json_object`, a server's own such as vLLM's `structural_tag`) are carried, never inspected.
 */
const responseFormat = z.looseObject({ type: z.string(), json_schema: jsonSchemaDefinition.optional() }).superRefine((f, ctx) => {
  if (f.type === 'json_schema' && f.json_schema === undefined) {
    ctx.addIssue({ code: 'invalid_type', expected: 'object', path: ['json_schema'], input: undefined, message: 'json_schema formats need a "json_schema" object' });
  }
});

const systemMessage = z.looseObject({ role: z.enum(['system', 'developer']), content, name: z.string().optional() });
const userMessage = z.looseObject({ role: z.literal('user'), content, name: z.string().optional() });
const assistantMessage = z.looseObject({
  role: z.literal('assistant'),
  content: z.union([z.string(), z.array(contentPart).min(1), z.null()]).optional(),
  tool_calls: z.array(toolCall).optional(),
  reasoning_content: z.string().nullable().optional(),
  reasoning: z.string().nullable().optional(),
  refusal: z.string().nullable().optional(),
  name: z.string().optional(),
});
const toolMessage = z.looseObject({
  role: z.literal('tool'),
  content,
  tool_call_id: z.string(),
});
const functionMessage = z.looseObject({ role: z.literal('function'), content: z.string().nullable(), name: z.string() });

export const chatMessageSchema = z.discriminatedUnion('role', [
  systemMessage,
  userMessage,
  assistantMessage,
  toolMessage,
  functionMessage,
]);

export const reasoningEffortSchema = z.enum(REASONING_EFFORTS);

export const chatRequestSchema = z.looseObject({
  model: z.string().optional(),
  messages: z.array(chatMessageSchema).min(1, 'messages must contain at least one message'),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  reasoning_effort: reasoningEffortSchema.nullable().optional(),
  tools: z.array(tool).optional(),
  n: integer().min(1).max(128).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  max_tokens: integer().min(1).nullable().optional(),
  max_completion_tokens: integer().min(1).nullable().optional(),
  // Read by the cache policy (a fixed seed makes an answer repeatable): a number, never a string.
  seed: anyInteger().nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: integer().min(0).max(20).nullable().optional(),
  stop: z.union([z.string(), z.array(z.string())]).nullable().optional(),
  tool_choice: z
    .union([
      z.enum(['none', 'auto', 'required']),
      // `{type: "function", function: {name}}`: OpenAI refuses a function choice that names no function.
      z.looseObject({ type: z.string() }).superRefine((choice, ctx) => {
        if (choice.type !== 'function') return;
        const fn = choice['function'];
        if (typeof fn !== 'object' || fn === null || Array.isArray(fn)) ctx.addIssue({ code: 'invalid_type', expected: 'object', input: fn, path: ['function'] });
        else if (typeof (fn as { name?: unknown }).name !== 'string') ctx.addIssue({ code: 'invalid_type', expected: 'string', input: (fn as { name?: unknown }).name, path: ['function', 'name'] });
      }),
    ])
    .nullable()
    .optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  response_format: responseFormat.nullable().optional(),
  user: z.string().nullable().optional(),
  metadata: metadataSchema().nullable().optional(),
});

export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type ContentPart = z.infer<typeof contentPart>;

/** Compile-time check: a validated chat request is a canonical request. */
export const asCanonical = (request: ChatRequest): CanonicalRequest => request;
