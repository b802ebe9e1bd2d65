import { buildApp } from '../../app.js';
import { ConfigError, loadConfig } from '../../config/load.js';
import { type CommandIO, UsageError, parseCommandArgs, writeLine } from '../io.js';

const USAGE = 'usage: thinkgate serve [--config PATH]';

function demoBanner(port: number): string {
  const line = '='.repeat(78);
  return [
    line,
    '  THINKGATE IS RUNNING IN DEMO MODE: answers come from two built-in SIMULATED upstreams.',
    '  No request leaves this machine and no answer is real.',
    '',
    '  To use real models, copy config/thinkgate.example.yaml (DeepSeek, OpenAI, a local Qwen3) to',
    '  config/thinkgate.yaml, or set both upstreams in the environment:',
    '    THINKGATE_REASONING_BASE_URL=… THINKGATE_REASONING_MODEL=… THINKGATE_REASONING_API_KEY=…',
    '    THINKGATE_DIRECT_BASE_URL=…    THINKGATE_DIRECT_MODEL=…    THINKGATE_DIRECT_API_KEY=…',
    `  Try it: curl http://localhost:${port}/v1/chat/completions -H 'content-type: application/json' \\`,
    `            -d '{"model":"auto","messages":[{"role":"user","content":"hello"}]}'`,
    '',
    '  The simulated upstreams answer `tools` with a made-up call to the first tool offered, `n` with n',
    '  choices and `response_format` with JSON that fits its schema: shapes to test with, not real answers.',
    line,
  ].join('\n');
}

/**
 * Printed when no client keys are configured. Any bearer token is accepted then, so a token says nothing about
 * who is calling: scoping by it would let a client dodge its tenant's limits by rotating tokens. So every client
 * is the one tenant `anonymous`, and that tenant's cached answers and stored responses are shared by all of them.
 */
export const OPEN_GATEWAY_NOTICE = [
  'thinkgate: no client keys configured (THINKGATE_API_KEYS / auth.apiKeys): any API key is accepted, and every',
  '  client is the one tenant "anonymous": cached answers, stored responses, the per-tenant in-flight limit and',
  '  stats are shared by all callers (the rate limit counts per client IP). Set THINKGATE_API_KEYS to give each',
  '  client key its own tenant.',
].join('\n');

/**
 * Printed when client keys are configured and every other `/v1/*` path is forwarded with the upstream's key: the
 * upstream account's files, batches and fine-tuning jobs are then one store that every tenant reads and changes.
 */
export const SHARED_ACCOUNT_NOTICE = [
  'thinkgate: every /v1 path is forwarded to the upstream with its key (routing.passthroughPaths: ["*"]): with client',
  '  keys configured, account-wide endpoints such as /v1/files, /v1/batches and /v1/fine_tuning are shared by every',
  '  tenant. List what clients need, e.g. routing.passthroughPaths: ["/embeddings", "/moderations", "/audio"].',
].join('\n');

/** `thinkgate serve [--config PATH]`: runs the gateway until SIGTERM/SIGINT, then drains and exits 0. */
export async function run(args: string[], io: CommandIO): Promise<number> {
  let loaded;
  try {
    const { values } = parseCommandArgs(args, {});
    if (values.help === true) {
      writeLine(io.stdout, USAGE);
      return 0;
    }
    loaded = loadConfig({ path: values.config });
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`thinkgate serve: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      io.stderr.write(`thinkgate: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const { config } = loaded;
  let app;
  try {
    app = await buildApp(config);
  } catch (err) {
    io.stderr.write(`thinkgate: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  try {
    await app.listen({ port: config.server.port, host: config.server.host });
  } catch (err) {
    io.stderr.write(`thinkgate: cannot listen on ${config.server.host}:${config.server.port}: ${(err as Error).message}\n`);
    await app.close();
    return 1;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.server.port;
  if (app.thinkgate.mode === 'demo') io.stderr.write(`${demoBanner(port)}\n`);
  if (config.auth.apiKeys.length === 0) io.stderr.write(`${OPEN_GATEWAY_NOTICE}\n`);
  else if (config.routing.passthroughPaths.includes('*')) io.stderr.write(`${SHARED_ACCOUNT_NOTICE}\n`);
  app.log.info({ mode: app.thinkgate.mode, port, config: loaded.source ?? '(environment only)', gate: app.thinkgate.gate.name }, 'thinkgate listening');

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      app.log.info({ signal, graceMs: config.server.shutdownGraceMs }, 'draining in-flight requests');
      const force = setTimeout(() => {
        app.log.warn('grace period over: closing remaining connections');
        app.server.closeAllConnections();
      }, config.server.shutdownGraceMs);
      force.unref();
      // app.close() closes connections as they turn idle (src/http/drain.ts); the timer above ends slow answers.
      app.close().then(
        () => {
          clearTimeout(force);
          resolve(0);
        },
        (err: unknown) => {
          app.log.error({ err }, 'error while closing');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
