import { Agent } from 'node:http';
import { timedRequest, type Target, type ThroughputSample } from '../lib/load.js';
import type { Measured, ProxySettings } from './proxy.js';
import { measureThroughput } from './proxy.js';

/**
 * Cache hit vs two ceilings answering the same JSON: a bare fastify route (nothing but fastify), and thinkgate's
 * own app with a constant route (the same hooks, headers and log as the hit, so the gap is the cache path alone).
 * The harness asks thinkgate (header `x-thinkgate-cache`) and reports "cache not present" when it never says `hit`.
 */


/** Always `bare-fastify` and `thinkgate-cache`; `thinkgate-constant` and baselines' `thinkgate-NAME-cache` when run. */
export type CacheResults = Record<'bare-fastify' | 'thinkgate-cache', Measured<ThroughputSample>> & { [contender: string]: Measured<ThroughputSample> | undefined };

export interface CacheResult {
  cacheHeaderSeen: string[];
  present: boolean;
  note: string;
  /** `thinkgate-constant` is missing from results written before it was added. */
  results: CacheResults | null;
}

export async function measureCache(
  /** The two ceilings, plus any baseline builds' hits (`thinkgate-NAME-cache`). */
  others: Record<'bare-fastify' | 'thinkgate-constant', Target> & Record<string, Target>,
  thinkgate: Target,
  s: ProxySettings,
): Promise<CacheResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const seen: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await timedRequest(thinkgate, agent);
    const h = r.headers['x-thinkgate-cache'];
    seen.push(typeof h === 'string' ? h : String(h));
  }
  agent.destroy();
  const present = seen.includes('hit');
  const results = (await measureThroughput<string>({ ...others, 'thinkgate-cache': thinkgate }, s)) as CacheResults;
  return {
    cacheHeaderSeen: seen,
    present,
    note: present ? 'cache hits confirmed by x-thinkgate-cache: hit' : 'cache not present: x-thinkgate-cache never said hit; thinkgate figures are cache-bypassed proxying',
    results,
  };
}
