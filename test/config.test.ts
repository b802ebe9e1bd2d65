import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { upstreamMode } from '../src/config/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'thinkgate-config-'));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('runs with no file at all: defaults and demo mode', () => {
    const { config, source } = loadConfig({ env: {} });
    expect(source).toBeNull();
    expect(config.server).toMatchObject({ port: 8080, host: '0.0.0.0', bodyLimitBytes: 4 * 1024 * 1024 });
    expect(upstreamMode(config)).toBe('demo');
  });

  it('takes everything a container needs from the environment', () => {
    const { config } = loadConfig({
      env: {
        PORT: '9000', HOST: '127.0.0.1', LOG_LEVEL: 'debug',
        THINKGATE_REASONING_BASE_URL: 'https://r.example/v1', THINKGATE_REASONING_MODEL: 'r1', THINKGATE_REASONING_API_KEY: 'sk-r',
        THINKGATE_DIRECT_BASE_URL: 'https://d.example/v1', THINKGATE_DIRECT_MODEL: 'v3', THINKGATE_DIRECT_API_KEY: 'sk-d',
        THINKGATE_API_KEYS: 'k1, k2,,',
      },
    });
    expect(config.server.port).toBe(9000);
    expect(config.log.level).toBe('debug');
    expect(config.upstreams.reasoning).toMatchObject({ baseUrl: 'https://r.example/v1', model: 'r1', apiKey: 'sk-r' });
    expect(config.upstreams.direct).toMatchObject({ baseUrl: 'https://d.example/v1', model: 'v3', apiKey: 'sk-d' });
    expect(config.auth.apiKeys).toEqual(['k1', 'k2']);
    expect(upstreamMode(config)).toBe('configured');
  });

  it('reads secrets from *_FILE variables', () => {
    const keyFile = file('key.txt', 'sk-from-file\n');
    const keysFile = file('keys.txt', 'a,b');
    const { config } = loadConfig({
      env: {
        THINKGATE_REASONING_BASE_URL: 'http://r/v1', THINKGATE_REASONING_MODEL: 'r', THINKGATE_REASONING_API_KEY_FILE: keyFile,
        THINKGATE_DIRECT_BASE_URL: 'http://d/v1', THINKGATE_DIRECT_MODEL: 'd', THINKGATE_API_KEYS_FILE: keysFile,
      },
    });
    expect(config.upstreams.reasoning?.apiKey).toBe('sk-from-file');
    expect(config.auth.apiKeys).toEqual(['a', 'b']);
  });

  it('loads YAML with ${ENV} interpolation, then lets the environment override it', () => {
    const path = file('a.yaml', [
      '# a commented-out ${UNSET_IN_COMMENT} is not configuration',
      'server: { port: 7000, bodyLimitBytes: "${BODY_LIMIT}" }',
      'log:',
      '  prompts: ${LOG_PROMPTS}',
      'upstreams:',
      '  reasoning: { baseUrl: "${R_URL}", model: r1, apiKey: "${R_KEY:-none}" }',
      '  direct: { baseUrl: "http://d/v1", model: "${D_MODEL}" }',
    ].join('\n'));
    const { config, source } = loadConfig({ path, env: { R_URL: 'http://r/v1', D_MODEL: 'chat', PORT: '7100', BODY_LIMIT: '2048', LOG_PROMPTS: 'true' } });
    expect(source).toBe(path);
    expect(config.server.port).toBe(7100);
    expect(config.server.bodyLimitBytes).toBe(2048);
    expect(config.log.prompts).toBe(true);
    expect(config.upstreams.reasoning).toMatchObject({ baseUrl: 'http://r/v1', apiKey: 'none' });
    expect(config.upstreams.direct?.model).toBe('chat');
  });

  it('reports every problem as path: reason, without secrets', () => {
    const path = file('bad.yaml', [
      'server: { port: 99999 }',
      'log: { level: loud }',
      'upstreams:',
      '  reasoning: { baseUrl: "ftp://x", model: r1, apiKey: sk-very-secret }',
      '  direct: { baseUrl: "http://d/v1" }',
      'surprise: true',
    ].join('\n'));
    const problems = problemsOf(() => loadConfig({ path, env: {} }));
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^server\.port: /),
      expect.stringMatching(/^log\.level: /),
      expect.stringMatching(/^upstreams\.reasoning\.baseUrl: /),
      expect.stringMatching(/^upstreams\.direct\.model: /),
      expect.stringMatching(/surprise/),
    ]));
    expect(problems.join('\n')).not.toContain('sk-very-secret');
  });

  it('refuses a half-configured gateway with a message naming what is missing', () => {
    const problems = problemsOf(() => loadConfig({ env: { THINKGATE_REASONING_BASE_URL: 'http://r/v1', THINKGATE_REASONING_MODEL: 'r' } }));
    expect(problems).toEqual([expect.stringMatching(/^upstreams\.direct: only one upstream is configured.*THINKGATE_DIRECT_BASE_URL/)]);
  });

  it('names a missing explicit file, an unset ${VAR}, a bad number and broken YAML', () => {
    expect(problemsOf(() => loadConfig({ path: join(dir, 'missing.yaml'), env: {} }))).toEqual([expect.stringContaining('missing.yaml: configuration file not found')]);
    expect(problemsOf(() => loadConfig({ path: file('v.yaml', 'log: { level: "${NOPE}" }'), env: {} }))).toEqual(expect.arrayContaining([expect.stringContaining('${NOPE}')]));
    expect(problemsOf(() => loadConfig({ env: { PORT: 'eighty' } }))).toEqual(['PORT: expected a number, got "eighty"']);
    expect(problemsOf(() => loadConfig({ path: file('y.yaml', 'server: [1, 2'), env: {} }))[0]).toMatch(/not valid YAML/);
  });

  it('reports an unset ${VAR} once, with the config keys that use it', () => {
    const problems = problemsOf(() => loadConfig({ path: 'config/thinkgate.example.yaml', env: {} }));
    expect(problems).toEqual(['${DEEPSEEK_API_KEY}: environment variable is not set (used by upstreams.reasoning.apiKey, upstreams.direct.apiKey)']);
  });

  it('names the environment variable that sets a missing required value', () => {
    const env = { THINKGATE_REASONING_BASE_URL: 'http://r/v1', THINKGATE_DIRECT_BASE_URL: 'http://d/v1', THINKGATE_DIRECT_MODEL: 'd' };
    expect(problemsOf(() => loadConfig({ env }))).toEqual(['upstreams.reasoning.model: required: set THINKGATE_REASONING_MODEL or write it in the config file']);
    expect(problemsOf(() => loadConfig({ env: { ...env, THINKGATE_REASONING_MODEL: 'r', THINKGATE_GATE_THRESHOLD: '3' } }))).toEqual([
      expect.stringMatching(/^gate\.threshold: .*\(from THINKGATE_GATE_THRESHOLD or the config file\)$/),
    ]);
  });
});
