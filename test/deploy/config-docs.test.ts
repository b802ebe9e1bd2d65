import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOC_PATH, collectDocComments, discoverEnvBindings, renderConfigurationDoc } from '../../scripts/gen-config-docs.js';

describe('docs/configuration.md', () => {
  const doc = renderConfigurationDoc();

  it('is up to date with the zod schema (regenerate with `npm run docs:config`)', () => {
    const committed = readFileSync(CONFIG_DOC_PATH, 'utf8');
    expect(committed, 'docs/configuration.md is stale: run npm run docs:config').toBe(doc);
  });

  it('documents every key with its default and doc comment, and every environment variable', () => {
    expect(doc).toContain('| `server.port` | `integer, ≥ 0, ≤ 65535` | `8080` | `PORT` |');
    expect(doc).toContain('Log prompt text in the per-request line.');
    expect(doc).toContain('| `THINKGATE_REASONING_API_KEY` | `THINKGATE_REASONING_API_KEY_FILE` | `upstreams.reasoning.apiKey` |');
    expect(doc).toContain('`upstreams.<reasoning\\|direct>.params.rename`');
  });
});

describe('the generator', () => {
  it('reads the environment variables from applyEnvOverrides itself', () => {
    const { byPath: env, untraced } = discoverEnvBindings();
    expect(untraced).toEqual([]);
    expect(env.get('server.port')).toEqual({ name: 'PORT', fromFile: false });
    expect(env.get('auth.apiKeys')).toEqual({ name: 'THINKGATE_API_KEYS', fromFile: true });
    expect(env.get('redis.url')?.name).toBe('REDIS_URL');
  });

  it('matches doc comments to a schema object by its key set', () => {
    const docs = collectDocComments([new URL('../../src/config/schema.ts', import.meta.url).pathname]);
    const log = docs.get(['level', 'prompts'].sort().join(','));
    expect(log?.get('prompts')).toMatch(/^Log prompt text/);
    expect(log?.has('level')).toBe(false);
  });
});

describe('config/thinkgate.example.yaml', () => {
  it('is a valid configuration as shipped (DeepSeek, key from the environment)', async () => {
    const { loadConfig } = await import('../../src/config/load.js');
    const path = new URL('../../config/thinkgate.example.yaml', import.meta.url).pathname;
    const { config } = loadConfig({ path, env: { DEEPSEEK_API_KEY: 'sk-example' } });
    expect(config.upstreams.reasoning).toMatchObject({ model: 'deepseek-flash', apiKey: 'sk-example', reasoningHistory: 'always', params: { set: { thinking: { type: 'enabled' } } } });
    expect(config.upstreams.direct).toMatchObject({ model: 'deepseek-flash', params: { set: { thinking: { type: 'disabled' } } } });
  });

  it('is not the default config path (it would be loaded by every npm start)', async () => {
    const { DEFAULT_CONFIG_PATH } = await import('../../src/config/load.js');
    expect(DEFAULT_CONFIG_PATH).toBe('config/thinkgate.yaml');
    expect(existsSync(new URL(`../../${DEFAULT_CONFIG_PATH}`, import.meta.url))).toBe(false);
  });
});
