import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { GATEWAY_V8_FLAGS } from '../../src/cli/v8-flags.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(`${ROOT}${path}`, 'utf8');
const flags = GATEWAY_V8_FLAGS.join(' ');

/** The young generation's size after a burst of short-lived allocation, in MB, for node started with `args`. */
function youngGenerationMB(args: string[], script = ''): number {
  const code = `${script}
    const v8 = require('node:v8');
    let keep = [];
    for (let i = 0; i < 3e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 50000) keep = []; }
    const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(young.space_size / 1048576));`;
  return Number(execFileSync(process.execPath, [...args, '-e', code], { encoding: 'utf8' }));
}

describe('V8 flags wherever the gateway starts', () => {
  it('npm start, the thinkgate command and the container image pass the same flags before the CLI', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${flags} dist/cli/main.js serve`);
    expect(read('src/cli/main.ts').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${flags}`);
    const entrypoint = read('Dockerfile').split('\n').find((l) => l.startsWith('ENTRYPOINT '));
    expect(entrypoint).toBe(`ENTRYPOINT ${JSON.stringify(['node', ...GATEWAY_V8_FLAGS, 'dist/cli/main.js']).replace(/","/g, '", "')}`);
  });

  it('the compose file and the Kubernetes deployment run the image entrypoint (no command override)', () => {
    const compose = parseYaml(read('docker-compose.yml')) as { 'x-thinkgate': Record<string, unknown> };
    expect(compose['x-thinkgate']).not.toHaveProperty('entrypoint');
    expect(compose['x-thinkgate']).not.toHaveProperty('command');
    const docs = parseAllDocuments(read('deploy/k8s/deployment.yaml')).map((d) => d.toJS() as Record<string, unknown>);
    const deployment = docs.find((d) => d.kind === 'Deployment') as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    for (const container of deployment.spec.template.spec.containers) {
      expect(container).not.toHaveProperty('command');
      const nodeOptions = (container.env as { name: string; value?: string }[] | undefined)?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
      // NODE_OPTIONS may add flags (the old-space bound) but must not size the young generation differently.
      expect(nodeOptions).not.toMatch(/semi-space/);
    }
  });

  it('the flags take effect on the command line, and would not from inside the process', () => {
    const byDefault = youngGenerationMB([]);
    const flagged = youngGenerationMB([...GATEWAY_V8_FLAGS]);
    expect(flagged).toBeGreaterThan(byDefault);
    const fromInside = youngGenerationMB([], `require('node:v8').setFlagsFromString(${JSON.stringify(flags)});`);
    expect(fromInside).toBe(byDefault);
  });
});
