// Loaded in place of @hono/node-server for Portkey only (see portkey-hooks.ts).
import * as real from '@hono/node-server';

export * from '@hono/node-server';

process.stderr.write('bench: @hono/node-server serve() wrapped with overrideGlobalObjects: false\n');

export function serve(options: Parameters<typeof real.serve>[0], listeningListener?: Parameters<typeof real.serve>[1]): ReturnType<typeof real.serve> {
  return real.serve({ ...options, overrideGlobalObjects: false }, listeningListener);
}
