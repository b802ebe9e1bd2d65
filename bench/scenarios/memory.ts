import { Agent, request, type ClientRequest } from 'node:http';
import { throughput } from '../lib/load.js';
import { startThinkgate, startUpstream } from '../lib/fleet.js';
import { rssMB, type ServerProcess } from '../lib/processes.js';
import { CHAT_BODY, STREAM_BODY } from './requests.js';

/** RSS of a thinkgate process (default config, so the default cache when there is one): idle, loaded, holding streams. */

export interface MemoryResult {
  /** 1 s after the gateway answers: still in its start-up transient (see idleSettledMB). */
  idleMB: number;
  /**
   * The lowest RSS over IDLE_SETTLE_MS more without a request, read each second. Start-up allocates enough surviving
   * objects (modules, the gate's tables) that V8 grows the young generation to its maximum (32 MB semi-spaces, the
   * gateway's V8 flags) within the first half second; V8's memory reducer shrinks it back once the process has been
   * idle for a while (after 6–10 s on two CPUs, 15–20 s pinned to one). Both figures are reported: one is what a
   * fresh process shows, the other what an idle gateway holds.
   */
  idleSettledMB?: number;
  under256ConnectionsMB: number;
  idleAfterLoadMB: number;
  openStreamsTarget: number;
  openStreamsReached: number;
  holdingStreamsMB: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** How long the gateway is watched idle after start-up for its settled RSS (V8's memory reducer has run by then). */
const IDLE_SETTLE_MS = 30_000;

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
    let idleSettledMB = idleMB;
    for (let waited = 0; waited < IDLE_SETTLE_MS; waited += 1_000) {
      await sleep(1_000);
      idleSettledMB = Math.min(idleSettledMB, rssMB(tg.pid));
    }
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
    return { idleMB, idleSettledMB, under256ConnectionsMB, idleAfterLoadMB, openStreamsTarget: streams, openStreamsReached: held.reached, holdingStreamsMB };
  } finally {
    await tg.stop();
    await slow.stop();
  }
}
