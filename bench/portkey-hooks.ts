/**
 * Module-resolution hooks for the Portkey launcher: every import of `@hono/node-server` made by Portkey's bundle
 * resolves to our shim, which passes `overrideGlobalObjects: false` to `serve()` (needed for streaming through it
 * on Node 20, Portkey issues #1389 / #1550). node_modules stays untouched.
 */

interface ResolveContext {
  parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;

const SHIM_URL = new URL('./hono-node-server-shim.js', import.meta.url).href;
let portkeyEntryURL: string | undefined;

export async function initialize(data: { portkeyEntryURL: string }): Promise<void> {
  portkeyEntryURL = data.portkeyEntryURL;
}

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<{ url: string; shortCircuit?: boolean }> {
  if (specifier !== '@hono/node-server') return next(specifier, context);
  // The shim's own import of the real package resolves as if Portkey had made it.
  if (context.parentURL === SHIM_URL) return next(specifier, { ...context, parentURL: portkeyEntryURL ?? context.parentURL });
  return { url: SHIM_URL, shortCircuit: true };
}
