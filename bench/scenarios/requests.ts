import type { Target } from '../lib/load.js';
import { UPSTREAM_KEY } from '../lib/fleet.js';

/** The one request every contender gets: same body, same size, only the addressing headers differ. */

const messages = [
  { role: 'system', content: 'You are a concise assistant.' },
  { role: 'user', content: 'What is the capital of France? Answer in one word.' },
];
export const CHAT_BODY = JSON.stringify({ model: 'auto', messages });
export const STREAM_BODY = JSON.stringify({ model: 'auto', messages, stream: true });
/** Cacheable: deterministic sampling, no `no-store`. */
export const CACHEABLE_BODY = JSON.stringify({ model: 'auto', messages, temperature: 0 });

export type Contender = 'direct' | 'thinkgate' | 'portkey' | 'minimal-proxy';

export function targetFor(kind: Contender, baseUrl: string, upstreamUrl: string, body: string, path = '/v1/chat/completions'): Target {
  const url = `${baseUrl}${path}`;
  switch (kind) {
    case 'direct':
      return { url, body, headers: { authorization: `Bearer ${UPSTREAM_KEY}` } };
    case 'thinkgate':
      return { url, body, headers: { 'cache-control': 'no-store' } };
    case 'minimal-proxy':
      return { url, body, headers: {} };
    case 'portkey':
      return {
        url,
        body,
        headers: { authorization: `Bearer ${UPSTREAM_KEY}`, 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstreamUrl}/v1` },
      };
  }
}
