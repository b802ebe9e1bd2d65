import { register } from 'node:module';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * Starts the peer gateway `@portkey-ai/gateway` unmodified, except that its node server is created with
 * `overrideGlobalObjects: false` (see portkey-hooks.ts). Arguments pass through (`--port=N --headless`).
 */
const require = createRequire(import.meta.url);
const entry = pathToFileURL(require.resolve('@portkey-ai/gateway/build/start-server.js')).href;
register('./portkey-hooks.js', import.meta.url, { data: { portkeyEntryURL: entry } });
await import(entry);
