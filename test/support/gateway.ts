import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { buildApp, type BuildOptions } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream.js';

/** A gateway on port 0 in front of two fake upstreams, and an official OpenAI SDK client pointed at it. */
export interface TestGateway {
  app: FastifyInstance;
  url: string;
  reasoning: FakeUpstream;
  direct: FakeUpstream;
  client: (apiKey?: string) => OpenAI;
  close(): Promise<void>;
}

export const REASONING_KEY = 'sk-upstream-reasoning-secret';
export const DIRECT_KEY = 'sk-upstream-direct-secret';

export async function startGateway(
  overrides: (fakes: { reasoning: FakeUpstream; direct: FakeUpstream }) => ConfigInput = () => ({}),
  opts: BuildOptions = {},
): Promise<TestGateway> {
  const reasoning = await startFakeUpstream({ model: 'fake-reasoner', reasoning: 'Let me think: step one, step two.' });
  const direct = await startFakeUpstream({ model: 'fake-chat' });
  const base: ConfigInput = {
    server: { port: 0, host: '127.0.0.1' },
    log: { level: 'silent' },
    upstreams: {
      reasoning: { baseUrl: reasoning.url, model: 'fake-reasoner', apiKey: REASONING_KEY },
      direct: { baseUrl: direct.url, model: 'fake-chat', apiKey: DIRECT_KEY },
    },
  };
  const extra = overrides({ reasoning, direct });
  const merged = {
    ...base,
    ...extra,
    upstreams: { ...base.upstreams, ...(extra.upstreams ?? {}) },
    // The test process runs the clients and the gateway on one event loop: on a busy machine a stalled loop would
    // shed requests as "overloaded" (503). Load shedding has tests of its own, which set the bound explicitly.
    limits: { maxEventLoopDelayMs: 0, ...(extra.limits ?? {}) },
  };
  const config = parseConfig(merged);
  const app = await buildApp(config, { logger: false, ...opts });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    reasoning,
    direct,
    client: (apiKey = 'sk-client') => new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0, timeout: 10_000 }),
    async close() {
      await app.close();
      await Promise.all([reasoning.close(), direct.close()]);
    },
  };
}
