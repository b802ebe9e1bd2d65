import { z } from 'zod';
import { REASONING_EFFORTS } from '../core/conversation.js';

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

// --- reliability: retry and breaker per upstream ---
const retrySchema = z
  .strictObject({
    /** Attempts in all, the first included (1 = no retry). */
    maxAttempts: z.number().int().min(1).max(10).default(3),
    baseDelayMs: z.number().int().nonnegative().default(250),
    maxDelayMs: z.number().int().nonnegative().default(5_000),
    /** Total time spent waiting and retrying before giving up on this upstream. */
    budgetMs: z.number().int().positive().default(15_000),
  })
  .prefault({});

const breakerSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Error rate in the window at or above which the breaker opens. */
    errorRate: z.number().gt(0).max(1).default(0.5),
    windowMs: z.number().int().positive().default(30_000),
    /** Fewer outcomes than this in the window never open the breaker. */
    minRequests: z.number().int().positive().default(10),
    /** Time open before one trial request is let through (half-open). */
    cooldownMs: z.number().int().positive().default(15_000),
  })
  .prefault({});
// --- end reliability ---

/**
 * Reasoning tag pairs recognised in content, per model family (`<think>…</think>` for Qwen3 and DeepSeek-R1
 * distills). `implicitOpen`: the chat template puts the opening tag in the prompt, so the answer starts inside the
 * thinking block and everything before the closing tag is reasoning.
 */
export const thinkTagPairSchema = z.strictObject({
  open: z.string().min(1),
  close: z.string().min(1),
  implicitOpen: z.boolean().optional(),
});
const thinkTagsSchema = z.array(thinkTagPairSchema);

export const upstreamSchema = z.strictObject({
  baseUrl: httpUrl,
  model: z.string().min(1),
  /**
   * The wire API the upstream serves: `chat` (`/chat/completions`; Responses requests are bridged to it) or
   * `responses` (`/responses`; Responses requests are forwarded natively, chat requests mapped to it).
   */
  api: z.enum(['chat', 'responses']).default('chat'),
  apiKey: secret.optional(),
  /** Extra headers sent upstream (e.g. an organisation id). Values are treated as secrets in logs. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Whether the upstream accepts `reasoning_effort`; when false the field is dropped. */
  acceptsReasoningEffort: z.boolean().default(false),
  /**
   * The `reasoning_effort` values this upstream accepts, when not all of OpenAI's: another value is sent as the
   * nearest listed one on the scale none < minimal < low < medium < high < xhigh < max (the higher on a tie). Ollama
   * takes none, low, medium, high and max ("invalid reasoning value: \"xhigh\""); SGLang only low, medium and high.
   * Unset: sent as decided.
   */
  reasoningEfforts: z.array(z.enum(REASONING_EFFORTS)).min(1).optional(),
  /**
   * Reasoning from earlier assistant turns: `strip` removes it, `keep` sends it as the client sent it, `always` sends
   * it on every assistant turn as `reasoning_content` (an empty one where a turn has none). DeepSeek's thinking mode
   * (deepseek-flash, deepseek-v4-*, formerly deepseek-reasoner) needs `always`: it refuses a tool-call conversation whose assistant turns
   * lack the field, including turns the direct tier answered. Unset: `reasoning.history`.
   */
  reasoningHistory: z.enum(['strip', 'keep', 'always']).optional(),
  /** Reasoning tag pairs this upstream's model writes in content; replaces `reasoning.thinkTags` for it. */
  thinkTags: thinkTagsSchema.optional(),
  /**
   * The role a chat upstream receives for `developer` messages (Codex and the Agents SDK send them): `system`, which
   * every chat server knows and OpenAI reads as developer instructions (DeepSeek, vLLM templates and others refuse
   * `developer`), or `developer` to pass it on. Responses upstreams always get it as sent.
   */
  developerRole: z.enum(['system', 'developer']).default('system'),
  params: paramAdaptationSchema,
  connections: z.number().int().positive().max(1024).default(128),
  timeouts: timeoutsSchema,
  retry: retrySchema,
  breaker: breakerSchema,
});

// ---- savings accounting: prices, counterfactual, metrics ----
/** USD per million tokens. `cachedInput` defaults to `input`, `reasoning` to `output` (how most providers bill). */
export const modelPriceSchema = z.strictObject({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cachedInput: z.number().nonnegative().optional(),
  reasoning: z.number().nonnegative().optional(),
});

const savingsSchema = z
  .strictObject({
    /** Reasoning expansion prior: (reasoning + answer tokens) / answer tokens, used until a band has `minSamples`. */
    expansionPrior: z.number().min(1).default(4),
    minSamples: z.number().int().positive().default(20),
    /** Prompt-token band edges for the learned expansion factor: [256, 1024, 4096] makes four bands. */
    promptBands: z.array(z.number().int().positive()).default([256, 1024, 4096]),
    /** Reasoning latency prior in ms per completion token, until a band has `minSamples`. */
    latencyPriorMsPerToken: z.number().nonnegative().default(20),
    /** Windowed totals: name → length in seconds (each kept as 60 buckets, so memory is bounded). */
    windows: z.record(z.string().regex(/^[a-z0-9_]+$/), z.number().int().min(60)).default({ hour: 3_600, day: 86_400 }),
    /** Days of daily totals kept for the dashboard's "All time" chart (one bucket per UTC day, memory or Redis). */
    historyDays: z.number().int().min(1).max(3_660).default(400),
    /** Most recent requests kept for the dashboard. */
    recent: z.number().int().min(0).max(1000).default(50),
  })
  .prefault({});

const metricsSchema = z
  .strictObject({
    /** Serve `/metrics` without a key even when admin keys are configured (scrapers on a private network). */
    public: z.boolean().default(false),
  })
  .prefault({});
// ---- end savings accounting ----

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(8080),
      host: z.string().min(1).default('0.0.0.0'),
      bodyLimitBytes: z.number().int().positive().default(4 * 1024 * 1024),
      /**
       * Largest body of the other `/v1/*` paths passed through to the upstream (files, audio, the Responses API).
       * Streamed, never held in memory; sized for the largest upload OpenAI accepts (512 MB files).
       */
      passthroughBodyLimitBytes: z.number().int().positive().default(512 * 1024 * 1024),
      /**
       * An over-limit body is read and discarded up to this bound before the 413 is sent, so clients that send the
       * whole body before reading the answer (fetch, the openai SDK) get the 413 instead of a broken connection.
       */
      oversizedBodyDrain: z
        .strictObject({
          /** Most bytes read and discarded before answering anyway (0 = answer at once). */
          maxBytes: z.number().int().nonnegative().default(64 * 1024 * 1024),
          /** Longest wait for the rest of the body before answering anyway (0 = answer at once). */
          maxMs: z.number().int().nonnegative().default(10_000),
        })
        .prefault({}),
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
      /**
       * Which of those paths are forwarded, as paths under `/v1` (`/embeddings`; `/audio` covers `/audio/speech`…);
       * `*` forwards every one. Others get a 404 `unknown_url`. Forwarded requests use the upstream's key, so with
       * client keys configured, account-wide endpoints (`/files`, `/batches`, `/fine_tuning`, `/vector_stores`…)
       * would be shared by every tenant: list only what clients need.
       */
      passthroughPaths: z
        .array(z.string().regex(/^(\*|\/[^?#*]*)$/, 'expected "*" or a path under /v1 starting with "/", such as "/embeddings"'))
        .default(['*']),
      /**
       * A client's reasoning effort (`reasoning_effort`, `reasoning.effort`): `obey` routes by it (`none`/`minimal` →
       * direct, any other → reasoning); `hint` lets the gate decide and sends the effort only when the request goes to
       * reasoning (agents send an effort on every request).
       */
      clientEffort: z.enum(['obey', 'hint']).default('obey'),
    })
    .prefault({}),
  /** Stored responses of the Responses API (`store: true`): kept in Redis when `cache.store` is `redis`, else in memory. */
  responses: z
    .strictObject({
      /** Bound of the in-memory store (least recently used evicted). */
      maxBytes: z.number().int().positive().default(256 * 1024 * 1024),
      /** How long a stored response is kept (default 30 days, as OpenAI keeps them). */
      ttlSeconds: z.number().int().positive().default(30 * 24 * 3600),
    })
    .prefault({}),
  reasoning: z
    .strictObject({
      /** Field the client receives reasoning text in; `strip` drops it for clients that cannot take it. */
      output: z.enum(['reasoning_content', 'reasoning', 'strip']).default('reasoning_content'),
      /** Default for upstreams that do not set `reasoningHistory`. */
      history: z.enum(['strip', 'keep']).default('strip'),
      /**
       * Reasoning tag pairs recognised in content (matched across stream chunks): `[{open, close, implicitOpen?}]`.
       * `implicitOpen: true`: the chat template puts the opening tag in the prompt (DeepSeek-R1 distills), so a
       * stream's text before the closing tag is reasoning. `upstreams.<tier>.thinkTags` replaces the list for one upstream.
       */
      thinkTags: thinkTagsSchema.default([{ open: '<think>', close: '</think>' }]),
    })
    .prefault({}),
  gate: z
    .strictObject({
      kind: z.enum(['learned', 'heuristic']).default('learned'),
      /** Score at or above which a request goes to reasoning. */
      threshold: z.number().min(0).max(1).default(0.35),
      /** Weights file of the learned gate, relative to the working directory. */
      modelPath: z.string().default('config/gate-model.json'),
      /** Keep this share of traffic on reasoning by tracking a quantile of recent scores (overrides `threshold` once warmed up). */
      targetReasoningShare: z.number().gt(0).lt(1).optional(),
      /** Recent scores the share controller remembers. */
      controllerWindow: z.number().int().min(10).max(100_000).default(2_000),
      /** Hourly reasoning budget: the threshold rises smoothly as it runs down (requests are never refused). With `redis.url` it is the fleet's: every replica's reasoning spend counts against it. */
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
      /**
       * Session affinity: `up-only` lets a conversation's route move from direct to reasoning but not back (so the
       * upstream's prompt cache and earlier reasoning survive); `sticky` keeps the first route; `off` decides per request.
       */
      session: z.enum(['off', 'sticky', 'up-only']).default('up-only'),
      /** A session ends this long after its last request (or when a new conversation starts). */
      sessionTtlSeconds: z.number().int().positive().max(7 * 24 * 3600).default(1800),
      /** Most sessions remembered in this process (least recently used dropped first): the memory store's bound, and with Redis the bound of each replica's own copy of the sessions it served (what it routes by while Redis is down). */
      sessionMaxEntries: z.number().int().positive().default(100_000),
      /** Unset: `redis` when `redis.url` is set, else `memory`. */
      sessionStore: z.enum(['memory', 'redis']).optional(),
    })
    .prefault({}),
  // --- cache ---
  cache: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** `deterministic`: only requests with temperature 0 or a seed; `all`: every request. */
      mode: z.enum(['deterministic', 'all']).default('deterministic'),
      /** Count a request without `temperature` as deterministic (for upstreams whose default is greedy). */
      absentTemperatureIsDeterministic: z.boolean().default(false),
      /** Bound of the in-memory store, counted per entry (UTF-8 bytes of the answer + key + overhead). */
      maxBytes: z.number().int().positive().default(256 * 1024 * 1024),
      ttlSeconds: z.number().int().positive().default(3600),
      /**
       * Bound of the prepared-request memo: a repeated request (same tenant, route header and bytes) skips
       * validation, the gate and key hashing on its way to the lookup. 0 turns it off.
       */
      memoMaxBytes: z.number().int().nonnegative().default(8 * 1024 * 1024),
      /** Unset: `redis` when `redis.url` is set, else `memory`. */
      store: z.enum(['memory', 'redis']).optional(),
      /** Off: every tenant (hashed client key) has its own entries and never reads another's. */
      shareAcrossTenants: z.boolean().default(false),
      /** Cache answers cut by `max_tokens` (`finish_reason: length`). */
      cacheLengthFinish: z.boolean().default(false),
      /** A request routed direct may be served by the cached reasoning answer to the same request (never the reverse). */
      crossTier: z.boolean().default(true),
      /** Redis store only: the memory LRU in front of Redis. */
      nearCacheMaxBytes: z.number().int().positive().default(16 * 1024 * 1024),
      nearCacheTtlSeconds: z.number().int().positive().default(60),
      /** Redis store only: values larger than this are deflated. */
      compressAboveBytes: z.number().int().nonnegative().default(2048),
      /** Redis store only: a command slower than this counts as Redis down for that request (cache bypassed). */
      redisTimeoutMs: z.number().int().positive().default(200),
    })
    .prefault({}),
  // --- end cache ---
  /** Per upstream model (exact name, or a prefix ending in `*`), merged over the built-in defaults (src/savings/prices.ts). */
  pricing: z.record(z.string().min(1), modelPriceSchema).default({}),
  savings: savingsSchema,
  metrics: metricsSchema,
  redis: z
    .strictObject({
      /** Shared state for many replicas (cache, ledger counters, rate limits). Unset = single replica, memory only. */
      url: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
      keyPrefix: z.string().default('thinkgate:'),
    })
    .prefault({}),
  // --- reliability ---
  fallback: z
    .strictObject({
      /** A failed or broken reasoning upstream is served by the direct one. */
      reasoningToDirect: z.boolean().default(true),
      directToReasoning: z.boolean().default(false),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Requests in progress on this instance (0 = unbounded); more get 429 with Retry-After. */
      maxInFlight: z.number().int().nonnegative().default(4_096),
      maxInFlightPerTenant: z.number().int().nonnegative().default(512),
      /** Event-loop delay (ms) above which requests get 503 (0 = off). */
      maxEventLoopDelayMs: z.number().int().nonnegative().default(1_000),
      /** Largest request header block (node `maxHeaderSize`). */
      maxHeaderBytes: z.number().int().min(1_024).default(16_384),
      retryAfterSeconds: z.number().int().positive().default(1),
      /** Deepest JSON nesting accepted in a request body (deeper bodies would overflow the stack when re-serialised). */
      maxJsonDepth: z.number().int().min(8).default(64),
      rateLimit: z
        .strictObject({
          /** Requests per client key per window (0 = off). Redis-backed when `redis.url` is set. */
          max: z.number().int().nonnegative().default(0),
          timeWindowMs: z.number().int().positive().default(60_000),
        })
        .prefault({}),
    })
    .prefault({}),
  cors: z
    .strictObject({
      /** Origins allowed to call the API from a browser. Empty = CORS off (no CORS headers at all). */
      origins: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  // --- end reliability ---
}).superRefine((cfg, ctx) => {
  const { reasoning, direct } = cfg.upstreams;
  if ((reasoning === undefined) !== (direct === undefined)) {
    const missing = reasoning === undefined ? 'reasoning' : 'direct';
    ctx.addIssue({
      code: 'custom',
      path: ['upstreams', missing],
      message: `only one upstream is configured: set THINKGATE_${missing.toUpperCase()}_BASE_URL and THINKGATE_${missing.toUpperCase()}_MODEL too (or configure neither to run the embedded demo upstreams)`,
    });
  }
  if (cfg.cache.store === 'redis' && cfg.redis.url === undefined) {
    ctx.addIssue({ code: 'custom', path: ['cache', 'store'], message: 'the redis store needs redis.url (or REDIS_URL)' });
  }
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type UpstreamConfig = z.infer<typeof upstreamSchema>;
export type Tier = z.infer<typeof tierSchema>;
export type CacheConfig = z.infer<typeof configSchema>['cache'];
export type ModelPrice = z.infer<typeof modelPriceSchema>;

/** `demo` when no upstream is configured: the gateway serves from its embedded simulated upstreams. */
export const upstreamMode = (cfg: Config): 'demo' | 'configured' =>
  cfg.upstreams.reasoning === undefined && cfg.upstreams.direct === undefined ? 'demo' : 'configured';
