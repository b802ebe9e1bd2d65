/**
 * The gateway alone in a child process, so the bench measures its memory and not the load generator's.
 * Config comes as JSON in argv[2]; the parent gets `{port}` when it listens and `{memory}` on each 'mem' message.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildApp } from '../src/app.js';
import { parseConfig } from '../src/config/load.js';

const config = parseConfig(JSON.parse(process.argv[2] ?? '{}') as unknown);
const app = await buildApp(config, { logger: false });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

process.on('message', (msg: unknown) => {
  if (msg === 'mem' || msg === 'mem-gc') {
    // 'mem-gc' collects first (needs --expose-gc): live memory, not garbage awaiting collection. Not during load:
    // a forced full GC stalls the event loop and would itself trip the event-loop-lag shedding.
    if (msg === 'mem-gc') (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ memory: process.memoryUsage(), loop: { meanMs: loop.mean / 1e6, maxMs: loop.max / 1e6 } });
    loop.reset();
  } else if (msg === 'stop') {
    void app.close().then(() => process.exit(0));
  }
});
