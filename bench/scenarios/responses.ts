import { logFileOf } from '../lib/fleet.js';
import type { Target } from '../lib/load.js';
import type { ServerProcess } from '../lib/processes.js';
import { measurePaired, type PairedResult } from './paired.js';
import { measureLatency, type Measured, type ProxySettings } from './proxy.js';
import type { LatencySample } from '../lib/load.js';
import { CHAT_BODY, STREAM_BODY } from './requests.js';

/**
 * The Responses API path against the chat path, for the same prompt: CPU per request (two thinkgate processes loaded
 * at once, one answering chat, one answering Responses, both bridging to the same chat upstream: the ratio of their
 * CPU per request), and the time to the first byte of a stream (`response.created` against the first chat chunk and
 * the upstream's own first byte).
 */

const INSTRUCTIONS = 'You are a concise assistant.';
const PROMPT = 'What is the capital of France? Answer in one word.';
/** The prompt of CHAT_BODY as a Responses request; `store: false` (a stored response is extra work chat never does). */
export const RESPONSES_BODY = JSON.stringify({ model: 'auto', instructions: INSTRUCTIONS, input: PROMPT, store: false });
export const RESPONSES_STREAM_BODY = JSON.stringify({ model: 'auto', instructions: INSTRUCTIONS, input: PROMPT, store: false, stream: true });

export interface ResponsesResult {
  paired: PairedResult;
  streaming: Record<'direct' | 'chat' | 'responses', Measured<LatencySample>>;
}

export async function measureResponses(chat: ServerProcess, responses: ServerProcess, upstream: ServerProcess, upstreamKey: string, s: ProxySettings): Promise<ResponsesResult> {
  const noStore = { 'cache-control': 'no-store' };
  // gcLog: each round knows both processes' GC mode when they run with `--trace-gc-nvp` (fleet's `traceGc`).
  const chatTarget: Target = { url: `${chat.url}/v1/chat/completions`, body: CHAT_BODY, headers: noStore, pid: chat.pid, gcLog: logFileOf(chat.name) };
  const responsesTarget: Target = { url: `${responses.url}/v1/responses`, body: RESPONSES_BODY, headers: noStore, pid: responses.pid, gcLog: logFileOf(responses.name) };
  const [paired] = await measurePaired([['thinkgate-chat', chatTarget, 'thinkgate-responses', responsesTarget]], s);
  const streaming = await measureLatency(
    {
      direct: { url: `${upstream.url}/v1/chat/completions`, body: STREAM_BODY, headers: { authorization: `Bearer ${upstreamKey}` } },
      chat: { url: `${chat.url}/v1/chat/completions`, body: STREAM_BODY, headers: noStore },
      responses: { url: `${responses.url}/v1/responses`, body: RESPONSES_STREAM_BODY, headers: noStore },
    },
    s,
  );
  return { paired: paired as PairedResult, streaming };
}
