import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { BENCH_COMPLETION } from './lib/completion.js';

/**
 * The cache-hit ceiling inside thinkgate's own app: the gateway built from `--dist` with its configuration, hooks
 * and plugins (auth, load shedding, security headers, request ids, logger), plus one `/v1/constant` route answering
 * the completion JSON. Set against a cache hit it isolates what the cache path itself costs.
 *
 *   PORT=N node dist/bench/app-constant.js --dist DIR --config FILE     (ready when /healthz answers)
 */

interface BuildApp {
  buildApp(config: unknown, opts: { v1Plugins: ((v1: FastifyInstance) => Promise<void>)[] }): Promise<FastifyInstance>;
}
interface LoadConfig {
  loadConfig(opts: { path: string; env: NodeJS.ProcessEnv }): { config: unknown };
}

const { values } = parseArgs({ options: { dist: { type: 'string' }, config: { type: 'string' } } });
if (values.dist === undefined || values.config === undefined) throw new Error('--dist and --config are required');
const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(values.dist as string, path)).href)) as T;
const { buildApp } = await load<BuildApp>('app.js');
const { loadConfig } = await load<LoadConfig>('config/load.js');

const { config } = loadConfig({ path: values.config, env: process.env });
const app = await buildApp(config, {
  v1Plugins: [
    async (v1) => {
      v1.post('/v1/constant', async () => BENCH_COMPLETION);
    },
  ],
});
await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' });
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
