import { z } from 'zod';
import { integer, metadataSchema } from '../../core/validation-errors.js';
import { REASONING_EFFORTS } from '../../core/conversation.js';

/**
 * The parts of a Responses API request (`POST /v1/responses`) the gateway reads, validated as OpenAI does.
 * Source: `ResponseCreateParamsBase` and `ResponseInputItem` in the `openai` SDK (resources/responses). Objects are
 * loose: fields the gateway does not read are carried (native upstreams) or ignored (bridge), never rejected.
 */

const nullish = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

// ---- input content parts ----
const inputText = z.looseObject({ type: z.literal('input_text'), text: z.string() });
const inputImage = z.looseObject({
  type: z.literal('input_image'),
  image_url: nullish(z.string()),
  file_id: nullish(z.string()),
  detail: nullish(z.enum(['low', 'high', 'auto', 'original'])),
});
const inputFile = z.looseObject({
  type: z.literal('input_file'),
  file_data: z.string().optional(),
  file_id: nullish(z.string()),
  file_url: z.string().optional(),
  filename: z.string().optional(),
});
/** Assistant history as the API returned it. */
const outputText = z.looseObject({ type: z.literal('output_text'), text: z.string() });
const refusal = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });

export const INPUT_PART_TYPES = ['input_text', 'input_image', 'input_file', 'output_text', 'refusal'] as const;
const contentPart = z.discriminatedUnion('type', [inputText, inputImage, inputFile, outputText, refusal]);
export type InputPart = z.infer<typeof contentPart>;

// ---- input items ----
const messageItem = z.looseObject({
  type: z.literal('message').optional(),
  id: nullish(z.string()),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(contentPart)]),
  status: nullish(z.string()),
});
const functionCall = z.looseObject({
  type: z.literal('function_call'),
  id: nullish(z.string()),
  call_id: z.string(),
  name: z.string(),
  arguments: z.string(),
  namespace: z.string().optional(),
});
const toolOutput = z.union([z.string(), z.array(contentPart)]);
const functionCallOutput = z.looseObject({
  type: z.literal('function_call_output'),
  id: nullish(z.string()),
  call_id: z.string(),
  output: toolOutput,
});
const customToolCall = z.looseObject({
  type: z.literal('custom_tool_call'),
  id: nullish(z.string()),
  call_id: z.string(),
  name: z.string(),
  input: z.string(),
  namespace: z.string().optional(),
});
const customToolCallOutput = z.looseObject({
  type: z.literal('custom_tool_call_output'),
  id: nullish(z.string()),
  call_id: z.string(),
  output: toolOutput,
});
const reasoningItem = z.looseObject({
  type: z.literal('reasoning'),
  id: nullish(z.string()),
  summary: nullish(z.array(z.looseObject({ type: z.string(), text: z.string() }))),
  content: nullish(z.array(z.looseObject({ type: z.string(), text: z.string() }))),
  encrypted_content: nullish(z.string()),
});

/** Input item types the gateway maps; every other type the SDK knows is refused with a 400 naming it. */
export const ITEM_SCHEMAS = {
  message: messageItem,
  function_call: functionCall,
  function_call_output: functionCallOutput,
  custom_tool_call: customToolCall,
  custom_tool_call_output: customToolCallOutput,
  reasoning: reasoningItem,
} as const;
export type ItemType = keyof typeof ITEM_SCHEMAS;

export type MessageInput = z.infer<typeof messageItem>;
export type FunctionCallInput = z.infer<typeof functionCall>;
export type FunctionCallOutputInput = z.infer<typeof functionCallOutput>;
export type CustomToolCallInput = z.infer<typeof customToolCall>;
export type CustomToolCallOutputInput = z.infer<typeof customToolCallOutput>;
export type ReasoningInput = z.infer<typeof reasoningItem>;

/** One validated input item, its `type` always set (a bare `{role, content}` is a message). */
export type InputItem =
  | (MessageInput & { type: 'message' })
  | FunctionCallInput
  | FunctionCallOutputInput
  | CustomToolCallInput
  | CustomToolCallOutputInput
  | ReasoningInput;

// ---- tools ----
const functionTool = z.looseObject({
  type: z.literal('function'),
  name: z.string().min(1),
  description: nullish(z.string()),
  parameters: nullish(z.record(z.string(), z.unknown())),
  strict: nullish(z.boolean()),
});
const customTool = z.looseObject({
  type: z.literal('custom'),
  name: z.string().min(1),
  description: z.string().optional(),
  format: z.looseObject({ type: z.string() }).optional(),
});
const namespaceTool = z.looseObject({
  type: z.literal('namespace'),
  name: z.string().min(1),
  description: z.string().optional(),
  tools: z.array(z.union([functionTool, customTool])),
});
/** Hosted tools (web_search, file_search, mcp, …): validated for a `type` only; a bridge drops them. */
const otherTool = z.looseObject({ type: z.string() });
/** The schema a tool is checked against, chosen by its `type` (validate.ts), so an error names the field. */
export const TOOL_SCHEMAS = { function: functionTool, custom: customTool, namespace: namespaceTool } as const;
export type FunctionToolInput = z.infer<typeof functionTool>;
export type CustomToolInput = z.infer<typeof customTool>;
export type NamespaceToolInput = z.infer<typeof namespaceTool>;
export type ToolInput = FunctionToolInput | CustomToolInput | NamespaceToolInput | z.infer<typeof otherTool>;

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  // A function (or custom tool) is named: OpenAI refuses `{type: "function"}` alone.
  z.looseObject({ type: z.string(), name: z.string().optional() }).superRefine((choice, ctx) => {
    if ((choice.type === 'function' || choice.type === 'custom') && choice.name === undefined) {
      ctx.addIssue({ code: 'invalid_type', expected: 'string', input: undefined, path: ['name'] });
    }
  }),
]);

const textFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    name: z.string().min(1),
    schema: z.record(z.string(), z.unknown()),
    strict: nullish(z.boolean()),
    description: z.string().optional(),
  }),
]);

/** Every top-level field the gateway reads, `input` aside (its items are validated one by one, in validate.ts). */
const requestFieldsSchema = z.looseObject({
  model: z.string().optional(),
  instructions: nullish(z.string()),
  previous_response_id: nullish(z.string().min(1)),
  store: nullish(z.boolean()),
  stream: nullish(z.boolean()),
  stream_options: nullish(z.looseObject({})),
  background: nullish(z.boolean()),
  conversation: nullish(z.union([z.string(), z.looseObject({ id: z.string() })])),
  prompt: nullish(z.looseObject({})),
  include: nullish(z.array(z.string())),
  // OpenAI refuses fewer than 16 ("Expected a value >= 16").
  max_output_tokens: nullish(integer().min(16)),
  metadata: nullish(metadataSchema()),
  parallel_tool_calls: nullish(z.boolean()),
  reasoning: nullish(
    z.looseObject({
      effort: nullish(z.enum(REASONING_EFFORTS)),
      summary: nullish(z.enum(['auto', 'concise', 'detailed'])),
    }),
  ),
  temperature: nullish(z.number().min(0).max(2)),
  top_p: nullish(z.number().min(0).max(1)),
  top_logprobs: nullish(integer().min(0).max(20)),
  text: nullish(z.looseObject({ format: textFormat.optional(), verbosity: nullish(z.enum(['low', 'medium', 'high'])) })),
  tool_choice: toolChoice.optional(),
  /** Each checked by its type in validate.ts. */
  tools: z.array(otherTool).optional(),
  truncation: nullish(z.enum(['auto', 'disabled'])),
  user: z.string().optional(),
  safety_identifier: nullish(z.string()),
  prompt_cache_key: nullish(z.string()),
  prompt_cache_retention: nullish(z.string()),
  service_tier: nullish(z.string()),
});

export const responsesRequestSchema = requestFieldsSchema.extend({ input: z.union([z.string(), z.array(z.unknown())]).optional() });

/** Top-level fields of `ResponseCreateParamsBase` (openai 6.x): anything else is a newer field, ignored and logged. */
export const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  ...Object.keys(responsesRequestSchema.shape),
  'context_management',
  'moderation',
  'prompt_cache_options',
]);

type RequestFields = z.infer<typeof requestFieldsSchema>;

/** An accepted input item a chat conversation cannot hold (hosted-tool calls and the like): carried as is. */
export interface CarriedItem {
  type: string;
  id?: string | null | undefined;
  [k: string]: unknown;
}

export type AnyInputItem = InputItem | CarriedItem;

/** A validated request: the body with its input items checked and typed. */
export interface ResponsesRequest extends RequestFields {
  input: AnyInputItem[];
  /** The request's own `input` was a string (kept for `input_items` and the stored response). */
  inputWasString: boolean;
  /** Top-level fields the gateway does not know (newer clients send them): ignored, logged at debug. */
  unknownFields: string[];
}
