import { gcPromoting, median, throughput, type Target, type ThroughputSample } from '../lib/load.js';
import type { ProxySettings } from './proxy.js';

/**
 * The Responses path against the chat path: the same prompt to the same gateway process, through
 * `POST /v1/responses` and `POST /v1/chat/completions`. One process serves both, so its CPU cannot be split between
 * two loads running at once; instead the two alternate in adjacent windows (the order flips each round) and each
 * window's CPU per request is compared with its neighbour's: adjacent windows live through nearly the same moment
 * of the machine, which is what makes a paired ratio steady.
 */

export interface ResponsesResult {
  present: boolean;
  /** CPU µs per request, responses ÷ chat, per round. */
  cpuRatios?: number[];
  medianCpuRatio?: number;
  chat_cpuUsPerReq?: number;
  responses_cpuUsPerReq?: number;
  /** Per round: either window ran with the young generation promoting (see scenarios/gc.ts). */
  gcDisturbed?: boolean[];
}

/** Whether the build serves `POST /v1/responses` (an answer with `"object":"response"`). */
export async function responsesPresent(t: Target): Promise<boolean> {
  try {
    const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...t.headers }, body: t.body });
    const body = (await res.json()) as { object?: unknown };
    return res.status === 200 && body.object === 'response';
  } catch {
    return false;
  }
}

export async function measureResponses(chat: Target, responses: Target, s: ProxySettings): Promise<Omit<ResponsesResult, 'present'>> {
  await throughput(chat, s.connections, 1);
  await throughput(responses, s.connections, 1);
  const rounds: { chat: ThroughputSample; responses: ThroughputSample }[] = [];
  for (let i = 0; i < s.rounds; i++) {
    if (i % 2 === 0) {
      const c = await throughput(chat, s.connections, s.durationS);
      rounds.push({ chat: c, responses: await throughput(responses, s.connections, s.durationS) });
    } else {
      const r = await throughput(responses, s.connections, s.durationS);
      rounds.push({ chat: await throughput(chat, s.connections, s.durationS), responses: r });
    }
  }
  const cpuRatios = rounds.map((r) => Math.round((r.responses.cpuUsPerReq / r.chat.cpuUsPerReq) * 1000) / 1000);
  return {
    cpuRatios,
    medianCpuRatio: median(cpuRatios),
    chat_cpuUsPerReq: median(rounds.map((r) => r.chat.cpuUsPerReq)),
    responses_cpuUsPerReq: median(rounds.map((r) => r.responses.cpuUsPerReq)),
    gcDisturbed: rounds.map((r) => gcPromoting(r.chat) || gcPromoting(r.responses)),
  };
}
