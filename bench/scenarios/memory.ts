import { Agent, request, type ClientRequest } from 'node:http';
import { throughput } from '../lib/load.js';
import { startThinkgate, startUpstream } from '../lib/fleet.js';
import { rssMB, type ServerProcess } from '../lib/processes.js';
import { CHAT_BODY, STREAM_BODY } from './requests.js';

/** RSS of a thinkgate process (default config, so the default cache when there is one): idle, loaded, holding streams. */

export interface MemoryResult {
  idleMB: number;
  under256ConnectionsMB: number;
  idleAfterLoadMB: number;
  openStreamsTarget: number;
  openStreamsReached: number;
  holdingStreamsMB: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function peakRss(pid: number, during: Promise<unknown>): Promise<number> {
  let peak = rssMB(pid);
  let done = false;
  void during.finally(() => (done = true));
  while (!done) {
    await sleep(200);
    peak = Math.max(peak, rssMB(pid));
  }
  return peak;
}

/** Opens `count` streams and resolves once each has received its first bytes (or the deadline passed). */
async function holdStreams(url: string, count: number, deadlineMs: number): Promise<{ reached: number; requests: ClientRequest[]; agent: Agent }> {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const target = new URL(`${url}/v1/chat/completions`);
  const requests: ClientRequest[] = [];
  let reached = 0;
  let resolveAll: () => void = () => {};
  const all = new Promise<void>((r) => (resolveAll = r));
  for (let i = 0; i < count; i++) {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'x-thinkgate-route': 'reasoning', 'cache-control': 'no-store' },
      },
      (res) => {
        res.once('data', () => {
          reached++;
          if (reached === count) resolveAll();
        });
        res.resume();
      },
    );
    req.on('error', () => {});
    req.end(STREAM_BODY);
    requests.push(req);
    // Paced a little: a thousand SYNs at once overflow the default listen backlog on some kernels.
    if (i % 100 === 99) await sleep(20);
  }
  await Promise.race([all, sleep(deadlineMs)]);
  return { reached, requests, agent };
}

export async function measureMemory(fastUpstream: ServerProcess, durationS: number, streams: number): Promise<MemoryResult> {
  const slow = await startUpstream({ chunks: 200, chunkDelayMs: 500 });
  const tg = await startThinkgate({ name: 'thinkgate-memory', reasoningUrl: slow.url, directUrl: fastUpstream.url, reasoningConnections: 1024 });
  try {
    await sleep(1_000);
    const idleMB = rssMB(tg.pid);
    const load = throughput(
      { url: `${tg.url}/v1/chat/completions`, body: CHAT_BODY, headers: { 'cache-control': 'no-store', 'x-thinkgate-route': 'direct' } },
      256,
      durationS,
    );
    const under256ConnectionsMB = await peakRss(tg.pid, load);
    await sleep(2_000);
    const idleAfterLoadMB = rssMB(tg.pid);
    const held = await holdStreams(tg.url, streams, 30_000);
    const sampling = sleep(2_000);
    const holdingStreamsMB = await peakRss(tg.pid, sampling);
    for (const r of held.requests) r.destroy();
    held.agent.destroy();
    return { idleMB, under256ConnectionsMB, idleAfterLoadMB, openStreamsTarget: streams, openStreamsReached: held.reached, holdingStreamsMB };
  } finally {
    await tg.stop();
    await slow.stop();
  }
}
