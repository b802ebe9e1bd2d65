import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GATEWAY_V8_FLAGS } from '../../src/cli/v8-flags.js';
import { startOnPort, startPortPrinter, type ServerProcess } from './processes.js';

/** Starting the processes under test: each its own node process, built JS only (no tsx in measured servers). */

export const ROOT = resolve(import.meta.dirname, '..', '..');
const BENCH_DIST = join(ROOT, 'dist', 'bench');
export const WORK_DIR = mkdtempSync(join(tmpdir(), 'thinkgate-bench-'));
export const UPSTREAM_KEY = 'sk-bench-upstream-key';

export function startUpstream(opts: { chunks?: number; chunkDelayMs?: number } = {}): Promise<ServerProcess> {
  const args = [join(BENCH_DIST, 'upstream.js'), '--chunks', String(opts.chunks ?? 8), '--chunk-delay-ms', String(opts.chunkDelayMs ?? 0)];
  return startPortPrinter(opts.chunkDelayMs ? 'slow-upstream' : 'upstream', args, { measured: false });
}

/** `args`: bare-fastify.js's own flags (`--touch-kb N`, `--headers`); `nodeArgs`: node's, before the script. */
export function startBareFastify(args: string[] = [], nodeArgs: string[] = []): Promise<ServerProcess> {
  return startPortPrinter('bare-fastify', [...nodeArgs, join(BENCH_DIST, 'bare-fastify.js'), ...args]);
}

export interface ThinkgateOptions {
  /** `dist` directory to run (a baseline build for before/after comparisons). */
  dist?: string;
  name?: string;
  reasoningUrl: string;
  directUrl: string;
  reasoningConnections?: number;
  /** node's flags; default: the V8 flags the gateway is started with everywhere (src/cli/v8-flags.ts). */
  nodeArgs?: string[];
  /** Adds `--trace-gc-nvp`: V8's line per collection goes to the log file (`logFileOf(name)`), for GC modes. */
  traceGc?: boolean;
}

/** The stdout file of a server started by `startOnPort` (pino lines, and V8's GC trace when asked for). */
export const logFileOf = (name: string): string => join(WORK_DIR, `${name}.log`);

/** The YAML thinkgate runs with in the bench: log level info (to a file), both tiers on the bench upstreams. */
function writeThinkgateConfig(name: string, o: ThinkgateOptions): string {
  const configFile = join(WORK_DIR, `${name}.yaml`);
  const upstream = (url: string, model: string, connections?: number): string =>
    `    baseUrl: ${url}/v1\n    model: ${model}\n    apiKey: ${UPSTREAM_KEY}\n${connections ? `    connections: ${connections}\n` : ''}`;
  writeFileSync(
    configFile,
    `log:\n  level: info\nupstreams:\n  reasoning:\n${upstream(o.reasoningUrl, 'bench-reasoner', o.reasoningConnections)}  direct:\n${upstream(o.directUrl, 'bench-chat')}`,
  );
  return configFile;
}

/** thinkgate as operators run it: `node dist/cli/main.js serve --config FILE`, log level info to a file. */
export function startThinkgate(o: ThinkgateOptions): Promise<ServerProcess> {
  const name = o.name ?? 'thinkgate';
  const configFile = writeThinkgateConfig(name, o);
  const dist = o.dist ?? join(ROOT, 'dist');
  return startOnPort(name, () => [join(dist, 'cli', 'main.js'), 'serve', '--config', configFile], {
    env: (port) => ({ HOST: '127.0.0.1', PORT: String(port) }),
    readyPath: '/healthz',
    logFile: logFileOf(name),
    nodeArgs: [...(o.nodeArgs ?? GATEWAY_V8_FLAGS), ...(o.traceGc === true ? ['--trace-gc-nvp'] : [])],
  });
}

/** thinkgate's own app and configuration with a `/v1/constant` route: the cache hit's in-app ceiling. */
export function startAppConstant(o: ThinkgateOptions): Promise<ServerProcess> {
  const name = o.name ?? 'thinkgate-constant';
  const configFile = writeThinkgateConfig(name, o);
  const dist = o.dist ?? join(ROOT, 'dist');
  return startOnPort(name, () => [join(BENCH_DIST, 'app-constant.js'), '--dist', dist, '--config', configFile], {
    env: (port) => ({ HOST: '127.0.0.1', PORT: String(port) }),
    readyPath: '/healthz',
    logFile: logFileOf(name),
    nodeArgs: [...(o.nodeArgs ?? GATEWAY_V8_FLAGS), ...(o.traceGc === true ? ['--trace-gc-nvp'] : [])],
  });
}

/** fastify + undici forwarding the same request with nothing else: the floor of the stack for a proxy. */
export function startMinimalProxy(upstreamUrl: string): Promise<ServerProcess> {
  return startPortPrinter('minimal-proxy', [join(BENCH_DIST, 'minimal-proxy.js'), '--upstream', upstreamUrl, '--key', UPSTREAM_KEY]);
}

/** The peer gateway, through our launcher (streaming needs `overrideGlobalObjects: false`). */
export function startPortkey(): Promise<ServerProcess> {
  return startOnPort('portkey', (port) => [join(BENCH_DIST, 'portkey-launcher.js'), `--port=${port}`, '--headless'], {
    env: () => ({ NODE_ENV: 'production' }),
    readyPath: '/',
    logFile: join(WORK_DIR, 'portkey.log'),
  });
}
