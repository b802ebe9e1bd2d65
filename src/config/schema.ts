import { z } from 'zod';

/**
 * The one configuration schema. Every type the rest of the code uses for configuration is inferred from it.
 * Defaults live here so that an empty file (or no file at all) is a valid, runnable configuration.
 */

const secret = z.string().min(1);
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const tierSchema = z.enum(['reasoning', 'direct']);

const paramAdaptationSchema = z
  .strictObject({
    /** Request fields removed before the request goes upstream (e.g. `temperature` for o-series). */
    drop: z.array(z.string()).default([]),
    /** Request fields renamed (e.g. `max_tokens: max_completion_tokens`). */
    rename: z.record(z.string(), z.string()).default({}),
    /** Fields deep-merged into every request body (e.g. `chat_template_kwargs: {enable_thinking: true}`). */
    set: z.record(z.string(), z.unknown()).default({}),
  })
  .default({ drop: [], rename: {}, set: {} });

const timeoutsSchema = z
  .strictObject({
    connectMs: z.number().int().positive().default(5_000),
    /** Time to the response headers / first byte. Reasoning models think before they speak: see the per-tier defaults. */
    firstByteMs: z.number().int().positive().optional(),
    /** Longest silence between two stream chunks. */
    idleMs: z.number().int().positive().default(120_000),
    totalMs: z.number().int().positive().default(600_000),
  })
  .default({ connectMs: 5_000, idleMs: 120_000, totalMs: 600_000 });

export const upstreamSchema = z.strictObject({
  baseUrl: httpUrl,
  model: z.string().min(1),
  apiKey: secret.optional(),
  /** Extra headers sent upstream (e.g. an organisation id). Values are treated as secrets in logs. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Whether the upstream accepts `reasoning_effort`; when false the field is dropped. */
  acceptsReasoningEffort: z.boolean().default(false),
  /** Whether reasoning from earlier assistant turns is sent back (DeepSeek thinking mode on tool-call turns needs it). */
  reasoningHistory: z.enum(['strip', 'keep']).optional(),
  params: paramAdaptationSchema,
  connections: z.number().int().positive().max(1024).default(128),
  timeouts: timeoutsSchema,
});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(8080),
      host: z.string().min(1).default('0.0.0.0'),
      bodyLimitBytes: z.number().int().positive().default(4 * 1024 * 1024),
      shutdownGraceMs: z.number().int().nonnegative().default(30_000),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** Log prompt text in the per-request line. Off by default: prompts are user data. */
      prompts: z.boolean().default(false),
    })
    .prefault({}),
  auth: z
    .strictObject({
      /** Keys clients present as `Authorization: Bearer …`. Empty = no client auth. */
      apiKeys: z.array(secret).default([]),
      /** Keys that may read fleet-wide stats and metrics. */
      adminKeys: z.array(secret).default([]),
    })
    .prefault({}),
  upstreams: z
    .strictObject({
      reasoning: upstreamSchema.optional(),
      direct: upstreamSchema.optional(),
    })
    .prefault({}),
  routing: z
    .strictObject({
      /** `model` values that pick a route. Any other model is `auto` unless `modelMap` maps it. */
      aliases: z
        .record(z.string(), z.enum(['reasoning', 'direct', 'auto']))
        .default({ 'thinkgate-reasoning': 'reasoning', 'thinkgate-direct': 'direct', auto: 'auto', 'thinkgate-auto': 'auto' }),
      modelMap: z.record(z.string(), z.enum(['reasoning', 'direct', 'auto'])).default({}),
      /** Upstream that serves every other `/v1/*` path (embeddings, audio, files…). */
      passthroughTier: tierSchema.default('direct'),
    })
    .prefault({}),
  reasoning: z
    .strictObject({
      /** Field the client receives reasoning text in; `strip` drops it for clients that cannot take it. */
      output: z.enum(['reasoning_content', 'reasoning', 'strip']).default('reasoning_content'),
      /** Default for upstreams that do not set `reasoningHistory`. */
      history: z.enum(['strip', 'keep']).default('strip'),
    })
    .prefault({}),
  gate: z
    .strictObject({
      kind: z.enum(['learned', 'heuristic']).default('heuristic'),
      /** Score at or above which a request goes to reasoning. */
      threshold: z.number().min(0).max(1).default(0.5),
      /** Weights file of the learned gate, relative to the working directory. */
      modelPath: z.string().default('config/gate-model.json'),
      /** Keep this share of traffic on reasoning by tracking a quantile of recent scores (overrides `threshold` once warmed up). */
      targetReasoningShare: z.number().gt(0).lt(1).optional(),
      /** Recent scores the share controller remembers. */
      controllerWindow: z.number().int().min(10).max(100_000).default(2_000),
      /** Hourly reasoning budget: the threshold rises smoothly as it runs down (requests are never refused). */
      reasoningBudget: z
        .strictObject({
          reasoningTokensPerHour: z.number().positive().optional(),
          costPerHour: z.number().positive().optional(),
          /** Fraction of the budget spent before the threshold starts to rise. */
          softStart: z.number().min(0).lt(1).default(0.5),
          /** Threshold when the budget is spent. */
          maxThreshold: z.number().min(0).max(1).default(0.95),
        })
        .refine((b) => b.reasoningTokensPerHour !== undefined || b.costPerHour !== undefined, 'set reasoningTokensPerHour or costPerHour')
        .optional(),
      /** Score bands → direct / reasoning low effort / reasoning high effort. */
      tiers: z
        .strictObject({
          bands: z
            .array(z.strictObject({ from: z.number().min(0).max(1), route: z.enum(['direct', 'reasoning']), effort: z.enum(['low', 'high']).optional() }))
            .min(1),
        })
        .optional(),
      /** Longest text of one turn the gate reads: head (2/3) and tail (1/3) of longer turns. */
      maxScoredChars: z.number().int().min(256).max(1_000_000).default(12_288),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type UpstreamConfig = z.infer<typeof upstreamSchema>;
export type Tier = z.infer<typeof tierSchema>;
