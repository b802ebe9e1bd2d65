import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './support/gateway.js';

/**
 * Chunks are forwarded as they arrive: the gaps the upstream puts between chunks reach the client unchanged
 * (median deviation within 5 ms) and nothing is batched (one client read per chunk event). The upstream here
 * records when it actually wrote each event, so its own timer jitter on a loaded machine is not blamed on the
 * gateway. Medians, not single gaps, and the best of up to ATTEMPTS streams keep the test robust under CI load
 * (upstream, gateway and client share this process, so a stall anywhere shows up); a gateway that batches or
 * delays chunks fails every attempt.
 */

const CHUNK_DELAY_MS = 50;
const ATTEMPTS = 3;
const WORDS = ['one ', 'two ', 'three ', 'four ', 'five ', 'six ', 'seven ', 'eight'];
const base = { id: 'chatcmpl-timing', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'timing-model' };
const EVENTS = [
  { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
  ...WORDS.map((w) => ({ ...base, choices: [{ index: 0, delta: { content: w }, finish_reason: null }] })),
  { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
  { ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 8, total_tokens: 11 } },
].map((e) => `data: ${JSON.stringify(e)}\n\n`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const gapsOf = (times: number[]): number[] => times.slice(1).map((t, i) => t - (times[i] as number));
/** Median over chunks of |client gap - upstream gap|. */
const medianGapDeviation = (sent: number[], received: number[]): number => {
  const up = gapsOf(sent);
  return median(gapsOf(received).map((g, i) => Math.abs(g - (up[i] as number))));
};

describe('streaming preserves inter-chunk timing', () => {
  let gw: TestGateway;
  let upstream: Server;
  /** performance.now() of each event write, per upstream request. */
  const sendTimes: number[][] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      req.resume();
      req.on('end', async () => {
        const times: number[] = [];
        sendTimes.push(times);
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const e of EVENTS) {
          times.push(performance.now());
          res.write(e);
          await sleep(CHUNK_DELAY_MS);
        }
        res.end('data: [DONE]\n\n');
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
    gw = await startGateway(() => ({ upstreams: { direct: { baseUrl: url, model: 'timing-model' } } }));
  });
  afterAll(async () => {
    await gw.close();
    upstream.closeAllConnections();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  /** Streams once through the SDK; returns the median gap deviation, after checking content and event count. */
  const sdkStream = async (): Promise<number> => {
    const stream = await gw.client().chat.completions.create({
      model: 'thinkgate-direct',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'count slowly' }],
    });
    const arrivals: number[] = [];
    let content = '';
    for await (const chunk of stream) {
      arrivals.push(performance.now());
      content += chunk.choices[0]?.delta.content ?? '';
    }
    expect(content).toBe(WORDS.join(''));
    expect(arrivals).toHaveLength(EVENTS.length);
    const sent = sendTimes.at(-1) ?? [];
    expect(median(gapsOf(sent))).toBeGreaterThanOrEqual(CHUNK_DELAY_MS - 1);
    return medianGapDeviation(sent, arrivals);
  };

  it('delivers each chunk event to the SDK with the upstream gap preserved (median deviation <= 5 ms)', async () => {
    let best = Infinity;
    for (let i = 0; i < ATTEMPTS && best > 5; i++) best = Math.min(best, await sdkStream());
    expect(best).toBeLessThanOrEqual(5);
  });

  /** Streams once over a raw socket; returns every read with its arrival time. */
  const rawStream = async (): Promise<{ at: number; text: string }[]> => {
    const url = new URL(`${gw.url}/v1/chat/completions`);
    const body = JSON.stringify({ model: 'thinkgate-direct', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'count slowly' }] });
    return new Promise((resolve, reject) => {
      const out: { at: number; text: string }[] = [];
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          res.setEncoding('utf8');
          res.on('data', (text: string) => out.push({ at: performance.now(), text }));
          res.on('end', () => resolve(out));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  };

  it('does not batch: the client sees one socket read per upstream chunk event', async () => {
    let best = { separateReads: 0, deviation: Infinity };
    for (let i = 0; i < ATTEMPTS && (best.separateReads !== EVENTS.length || best.deviation > 5); i++) {
      const chunkReads = (await rawStream()).filter((r) => r.text.includes('"chat.completion.chunk"'));
      // A batching proxy packs several events into one read: count the reads that carry exactly one.
      const separateReads = chunkReads.filter((r) => (r.text.match(/^data: /gm) ?? []).length === 1).length;
      const deviation = medianGapDeviation(sendTimes.at(-1) ?? [], chunkReads.map((r) => r.at));
      if (separateReads > best.separateReads || (separateReads === best.separateReads && deviation < best.deviation)) best = { separateReads, deviation };
    }
    expect(best.separateReads).toBe(EVENTS.length);
    expect(best.deviation).toBeLessThanOrEqual(5);
  });
});
