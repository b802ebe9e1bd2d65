import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Hashed client key (`t_…`), or `anonymous` when client auth is off. Never the key itself. */
    tenant: string;
    isAdmin: boolean;
  }
}

const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

export const tenantOf = (key: string): string => `t_${digest(key).toString('hex').slice(0, 16)}`;

/**
 * Key checks compare SHA-256 digests with timingSafeEqual, so neither the key's content nor its length
 * leaks through response timing. Every configured key is compared, match or not.
 */
export class KeyRing {
  private readonly clientDigests: Buffer[];
  private readonly adminDigests: Buffer[];

  constructor(clientKeys: readonly string[], adminKeys: readonly string[]) {
    this.clientDigests = clientKeys.map(digest);
    this.adminDigests = adminKeys.map(digest);
  }

  get authRequired(): boolean {
    return this.clientDigests.length > 0 || this.adminDigests.length > 0;
  }

  get hasAdminKeys(): boolean {
    return this.adminDigests.length > 0;
  }

  classify(key: string | undefined): 'client' | 'admin' | null {
    if (key === undefined) return null;
    const d = digest(key);
    const admin = matchesAny(d, this.adminDigests);
    const client = matchesAny(d, this.clientDigests);
    return admin ? 'admin' : client ? 'client' : null;
  }
}

function matchesAny(d: Buffer, list: readonly Buffer[]): boolean {
  let found = false;
  for (const k of list) found = timingSafeEqual(d, k) || found;
  return found;
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (m) return m[1];
  }
  // Azure-style clients and some SDKs send the key this way.
  const apiKey = request.headers['api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : undefined;
}

/**
 * The `/v1/*` key check: sets `request.tenant` and `request.isAdmin`, or returns the 401 to answer with. Client auth
 * off = every caller is `anonymous`. Runs inside the `/v1` scope's one onRequest hook (`installLoadShedding`).
 */
export function authenticator(keys: KeyRing): (request: FastifyRequest) => GatewayError | undefined {
  return (request) => {
    const key = bearerToken(request);
    const kind = keys.classify(key);
    if (kind !== null && key !== undefined) {
      request.tenant = tenantOf(key);
      request.isAdmin = kind === 'admin';
      return undefined;
    }
    if (!keys.authRequired) {
      request.tenant = 'anonymous';
      request.isAdmin = !keys.hasAdminKeys;
      return undefined;
    }
    return new GatewayError(401, key === undefined
      ? "You didn't provide an API key. Provide it in the Authorization header as 'Bearer YOUR_KEY'."
      : 'Incorrect API key provided.', { code: key === undefined ? 'missing_api_key' : 'invalid_api_key' });
  };
}

/**
 * preHandler (or onRequest) for admin-only routes anywhere, `/v1` or not (`/metrics`, fleet-wide `/v1/stats`):
 * the same KeyRing, so the same constant-time check. `public: true` lets everyone through (a scraper on a private
 * network). With no key configured at all the gateway is in open dev mode and so is this route.
 */
export function requireAdmin(keys: KeyRing, opts: { public?: boolean } = {}) {
  return async (request: FastifyRequest): Promise<void> => {
    if (opts.public === true) return;
    const key = bearerToken(request);
    const kind = keys.classify(key);
    if (kind === 'admin') {
      request.isAdmin = true;
      return;
    }
    if (!keys.authRequired) return;
    if (kind === 'client') throw new GatewayError(403, 'This endpoint needs an admin key.', { code: 'admin_key_required' });
    throw new GatewayError(401, key === undefined
      ? "You didn't provide an API key. Provide it in the Authorization header as 'Bearer YOUR_KEY'."
      : 'Incorrect API key provided.', { code: key === undefined ? 'missing_api_key' : 'invalid_api_key' });
  };
}
