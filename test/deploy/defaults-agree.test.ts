import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load.js';

/**
 * One default, read from the schema: the example configuration, the README and the docs must say what
 * `configSchema` says. (The CLI reads it from the schema itself: test/gate/cli.test.ts.)
 */
const defaults = parseConfig({});

describe('config/thinkgate.example.yaml agrees with the schema', () => {
  const { config } = loadConfig({ path: 'config/thinkgate.example.yaml', env: { DEEPSEEK_API_KEY: 'sk-test' } });

  it('sets every section but the upstreams to the schema defaults', () => {
    const { upstreams: _exampleUpstreams, ...example } = config;
    const { upstreams: _defaultUpstreams, ...schema } = defaults;
    expect(example).toEqual(schema);
  });

  it('states the gate threshold explicitly, as the default', () => {
    expect(readFileSync('config/thinkgate.example.yaml', 'utf8')).toMatch(new RegExp(`^\\s+threshold: ${defaults.gate.threshold}\\s`, 'm'));
  });
});

describe('the README and docs give the schema default for gate.threshold', () => {
  const files = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];
  // "default 0.35", "default threshold: 0.35", "`gate.threshold: 0.35`", "0.35 (the config default)", "| `0.35` |" in the generated table.
  const STATEMENTS = [
    /`gate\.threshold`[^.\n]{0,10}\(default (\d+(?:\.\d+)?)/g,
    /default threshold:? \**(\d+(?:\.\d+)?)/gi,
    /`gate\.threshold: (\d+(?:\.\d+)?)`/g,
    /(\d+(?:\.\d+)?)\s*\((?:the )?config(?:uration's)? default\)/g,
    /\| `gate\.threshold` \| [^|]+ \| `(\d+(?:\.\d+)?)` \|/g,
  ];

  it.each(files)('%s', (file) => {
    const text = readFileSync(file, 'utf8');
    for (const pattern of STATEMENTS) {
      for (const match of text.matchAll(pattern)) expect(Number(match[1]), `${file}: "${match[0]}"`).toBe(defaults.gate.threshold);
    }
  });

  it('is stated where a user looks: the README, docs/gate.md and docs/configuration.md', () => {
    for (const file of ['README.md', 'docs/gate.md', 'docs/configuration.md']) {
      const text = readFileSync(file, 'utf8');
      expect(STATEMENTS.some((p) => [...text.matchAll(p)].length > 0), file).toBe(true);
    }
  });
});
