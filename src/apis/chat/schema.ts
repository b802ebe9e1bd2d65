import { z } from 'zod';
import { REASONING_EFFORTS, type CanonicalRequest } from '../../core/conversation.js';

/**
 * The parts of an OpenAI chat-completions request the gateway reads or validates.
 * Objects are loose: every field we do not know passes through to the upstream unchanged.
 */

const textPart = z.looseObject({ type: z.literal('text'), text: z.string() });
/** Image, audio, file and any future part types: carried, never inspected. */
const otherPart = z.looseObject({ type: z.string().refine((t) => t !== 'text', 'text parts need a string "text"') });
const contentPart = z.union([textPart, otherPart]);

const nonEmptyContent = z.union([
  z.string().min(1, 'content must not be empty'),
  z.array(contentPart).min(1, 'content must not be an empty array'),
]);

const toolCall = z.looseObject({
  id: z.string().optional(),
  type: z.string().optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }).optional(),
});

const systemMessage = z.looseObject({ role: z.enum(['system', 'developer']), content: nonEmptyContent, name: z.string().optional() });
const userMessage = z.looseObject({ role: z.literal('user'), content: nonEmptyContent, name: z.string().optional() });
const assistantMessage = z.looseObject({
  role: z.literal('assistant'),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
  tool_calls: z.array(toolCall).optional(),
  reasoning_content: z.string().nullable().optional(),
  reasoning: z.string().nullable().optional(),
  refusal: z.string().nullable().optional(),
  name: z.string().optional(),
});
const toolMessage = z.looseObject({
  role: z.literal('tool'),
  content: z.union([z.string(), z.array(contentPart)]),
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
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
  n: z.number().int().min(1).max(128).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
});

export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type ContentPart = z.infer<typeof contentPart>;

/** Compile-time check: a validated chat request is a canonical request. */
export const asCanonical = (request: ChatRequest): CanonicalRequest => request;
