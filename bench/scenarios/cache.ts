import { Agent } from 'node:http';
import { timedRequest, type Target, type ThroughputSample } from '../lib/load.js';
import type { Measured, ProxySettings } from './proxy.js';
import { measureThroughput } from './proxy.js';

/**
 * Cache hit vs a bare fastify route answering the same JSON. The cache is optional in this build: the harness
 * asks thinkgate (header `x-thinkgate-cache`) and reports "cache not present" when it never says `hit`.
 */

export interface CacheResult {
  cacheHeaderSeen: string[];
  present: boolean;
  note: string;
  results: Record<'bare-fastify' | 'thinkgate-cache', Measured<ThroughputSample>> | null;
}

export async function measureCache(bare: Target, thinkgate: Target, s: ProxySettings): Promise<CacheResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const seen: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await timedRequest(thinkgate, agent);
    const h = r.headers['x-thinkgate-cache'];
    seen.push(typeof h === 'string' ? h : String(h));
  }
  agent.destroy();
  const present = seen.includes('hit');
  const results = await measureThroughput({ 'bare-fastify': bare, 'thinkgate-cache': thinkgate }, s);
  return {
    cacheHeaderSeen: seen,
    present,
    note: present ? 'cache hits confirmed by x-thinkgate-cache: hit' : 'cache not present: x-thinkgate-cache never said hit; thinkgate figures are cache-bypassed proxying',
    results,
  };
}
