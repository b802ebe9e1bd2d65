import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import dockerfilelint from 'dockerfilelint';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(`${ROOT}${path}`, 'utf8');
const dockerfile = read('Dockerfile');
const instructions = (name: string): string[] =>
  dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((l) => l.toUpperCase().startsWith(`${name} `))
    .map((l) => l.slice(name.length + 1).trim());

describe('Dockerfile', () => {
  it('passes dockerfilelint with the repository rules (.dockerfilelintrc)', () => {
    expect(dockerfilelint.run(ROOT, dockerfile)).toEqual([]);
  });

  it('has the linter catch a bad instruction (the check can fail)', () => {
    expect(dockerfilelint.run(ROOT, `${dockerfile}\nRUN apt-get install curl\n`).length).toBeGreaterThan(0);
  });

  it('pins the default base image to an exact Node LTS slim version', () => {
    const arg = instructions('ARG').find((a) => a.startsWith('BASE_IMAGE='));
    expect(arg).toMatch(/^BASE_IMAGE=node:(20|22|24)\.\d+\.\d+-bookworm-slim$/);
    expect(instructions('FROM').every((f) => f.startsWith('${BASE_IMAGE} AS '))).toBe(true);
  });

  it('builds with dev dependencies and runs with production dependencies only', () => {
    const runs = instructions('RUN');
    expect(runs.some((r) => /npm ci\b(?!.*--omit=dev)/.test(r))).toBe(true);
    expect(runs.some((r) => r.includes('npm ci --omit=dev'))).toBe(true);
    expect(instructions('COPY')).toContain('--from=deps /app/node_modules ./node_modules');
    expect(instructions('COPY')).toContain('--from=build /app/dist ./dist');
  });

  it('runs as a non-root numeric user, in production mode, on 8080, stopped by SIGTERM, checked by node', () => {
    expect(instructions('USER')).toEqual(['10001:10001']);
    expect(instructions('ENV').join(' ')).toMatch(/NODE_ENV=production/);
    expect(instructions('EXPOSE')).toEqual(['8080']);
    expect(instructions('STOPSIGNAL')).toEqual(['SIGTERM']);
    const [healthcheck] = instructions('HEALTHCHECK');
    expect(healthcheck).toMatch(/CMD \["node", "-e", ".*\/healthz/);
    expect(healthcheck).not.toMatch(/curl|wget/);
    expect(instructions('ENTRYPOINT')).toEqual(['["node", "--min-semi-space-size=8", "--max-semi-space-size=32", "dist/cli/main.js"]']);
  });

  it('ships config/ (the learned gate reads config/gate-model.json at run time)', () => {
    expect(instructions('COPY')).toContain('config ./config');
    expect(instructions('WORKDIR').at(-1)).toBe('/app');
  });
});

describe('.dockerignore', () => {
  const rules = read('.dockerignore').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  it('starts from nothing and lets in only what the build needs', () => {
    expect(rules[0]).toBe('*');
    const allowed = rules.filter((r) => r.startsWith('!')).map((r) => r.slice(1));
    expect(allowed.sort()).toEqual(['config/', 'package-lock.json', 'package.json', 'src/', 'tsconfig.build.json', 'tsconfig.json']);
  });
  it('keeps a local config/thinkgate.yaml (it may hold keys) out of the image', () => {
    expect(rules).toContain('config/thinkgate.yaml');
  });
});

describe('docker-compose.yml', () => {
  interface Service {
    image?: string;
    build?: unknown;
    environment?: Record<string, string>;
    volumes?: string[];
    profiles?: string[];
    read_only?: boolean;
  }
  const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
  const gateways = Object.entries(compose.services).filter(([name]) => name.startsWith('thinkgate-'));

  it('runs two thinkgate replicas built from the Dockerfile, sharing Redis, read-only', () => {
    expect(gateways).toHaveLength(2);
    for (const [, s] of gateways) {
      expect(s.build).toBeDefined();
      expect(s.environment?.REDIS_URL).toBe('redis://redis:6379');
      expect(s.read_only).toBe(true);
      for (const v of ['THINKGATE_REASONING_BASE_URL', 'THINKGATE_REASONING_MODEL', 'THINKGATE_DIRECT_BASE_URL', 'THINKGATE_DIRECT_MODEL']) {
        expect(Object.keys(s.environment ?? {})).toContain(v);
      }
    }
    expect(compose.services.redis?.image).toMatch(/^redis:\d+\.\d+\.\d+/);
  });

  it('puts nginx in front of both replicas, streaming unbuffered', () => {
    const lb = compose.services.lb;
    expect(lb?.image).toMatch(/^nginx:\d+\.\d+\.\d+/);
    expect(lb?.volumes).toContain('./deploy/nginx.conf:/etc/nginx/nginx.conf:ro');
    const nginx = read('deploy/nginx.conf');
    for (const [name] of gateways) expect(nginx).toContain(`server ${name}:8080`);
    expect(nginx).toMatch(/proxy_buffering off;/);
  });

  it('has an optional Prometheus scraping /metrics on every replica', () => {
    expect(compose.services.prometheus?.profiles).toEqual(['monitoring']);
    const prometheus = parseYaml(read('deploy/prometheus.yml')) as { scrape_configs: { metrics_path: string; static_configs: { targets: string[] }[] }[] };
    const job = prometheus.scrape_configs[0]!;
    expect(job.metrics_path).toBe('/metrics');
    expect(job.static_configs[0]!.targets.sort()).toEqual(gateways.map(([name]) => `${name}:8080`).sort());
  });
});
