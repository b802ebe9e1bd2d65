import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOC_PATH, collectDocComments, discoverEnvBindings, renderConfigurationDoc } from '../../scripts/gen-config-docs.js';

describe('docs/configuration.md', () => {
  it('is up to date with the zod schema (regenerate with `npm run docs:config`)', () => {
    const committed = readFileSync(CONFIG_DOC_PATH, 'utf8');
    expect(committed, 'docs/configuration.md is stale: run npm run docs:config').toBe(renderConfigurationDoc());
  });

  it('documents every key with its default and doc comment, and every environment variable', () => {
    const doc = renderConfigurationDoc();
    expect(doc).toContain('| `server.port` | `integer, ≥ 0, ≤ 65535` | `8080` | `PORT` |');
    expect(doc).toContain('Log prompt text in the per-request line.');
    expect(doc).toContain('| `THINKGATE_REASONING_API_KEY` | `THINKGATE_REASONING_API_KEY_FILE` | `upstreams.reasoning.apiKey` |');
    expect(doc).toContain('`upstreams.<reasoning\\|direct>.params.rename`');
  });
});

describe('the generator', () => {
  it('reads the environment variables from applyEnvOverrides itself', () => {
    const env = discoverEnvBindings();
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
