import autocannon from 'autocannon';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { parseGcTrace, PROMOTING_BYTES_PER_REQ } from './gc-trace.js';
import { cpuSeconds } from './processes.js';

/** Load generation, in the harness process: autocannon for throughput, a timing client for latency and streams. */

export interface Target {
  url: string;
  /** The server process behind `url`: its CPU time per request is the figure least disturbed by other load. */
  pid?: number;
  headers: Record<string, string>;
  body: string;
  /** The server's stdout file when it runs with `--trace-gc-nvp`: each run's GC mode is read from it. */
  gcLog?: string;
}

export interface ThroughputSample {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  /** CPU time (user + system) the target process spent per answered request, in µs. */
  cpuUsPerReq: number;
  /** Bytes V8 promoted to the old generation per request during the run (NaN without `gcLog`). */
  promotedBytesPerReq: number;
  /** GC pause per request, µs (NaN without `gcLog`). */
  gcUsPerReq: number;
}

/** Latencies of one run, in ms, kept whole (a few hundred thousand numbers at most) and sorted once. */
class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private n = 0;

  record(ms: number): void {
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = ms;
  }

  /** Nearest-rank percentiles (p in 0..100). */
  percentiles(...ps: number[]): number[] {
    const sorted = this.values.subarray(0, this.n).sort();
    return ps.map((p) => (this.n === 0 ? NaN : (sorted[Math.max(0, Math.ceil((p / 100) * this.n) - 1)] as number)));
  }
}

/**
 * autocannon's load with its own req/s and error counts; the latency percentiles come from every 2xx response's
 * own time (µs resolution): autocannon's histogram keeps whole milliseconds, too coarse for "p99 under 5 ms".
 */
export async function throughput(t: Target, connections: number, durationS: number): Promise<ThroughputSample> {
  const cpuBefore = t.pid === undefined ? NaN : cpuSeconds(t.pid);
  const gcFrom = t.gcLog === undefined ? 0 : statSync(t.gcLog).size;
  const latencies = new LatencyRecorder();
  const run = autocannon({
    url: t.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...t.headers },
    body: t.body,
    connections,
    duration: durationS,
    timeout: 10,
  });
  run.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode >= 200 && statusCode < 300) latencies.record(responseTimeMs);
  });
  const r = await run;
  const cpu = t.pid === undefined ? NaN : cpuSeconds(t.pid) - cpuBefore;
  const cpuUsPerReq = r.requests.total > 0 ? Math.round((cpu * 1e6) / r.requests.total) : NaN;
  const [p50, p99] = latencies.percentiles(50, 99);
  const ms = (v: number | undefined): number => Math.round((v ?? NaN) * 100) / 100;
  let promotedBytesPerReq = NaN;
  let gcUsPerReq = NaN;
  if (t.gcLog !== undefined && r.requests.total > 0) {
    const gc = parseGcTrace(readFrom(t.gcLog, gcFrom));
    promotedBytesPerReq = Math.round(gc.promoted / r.requests.total);
    gcUsPerReq = Math.round((gc.pauseMs * 10_000) / r.requests.total) / 10;
  }
  return { rps: r.requests.average, p50Ms: ms(p50), p99Ms: ms(p99), errors: r.errors + r.timeouts, non2xx: r.non2xx, cpuUsPerReq, promotedBytesPerReq, gcUsPerReq };
}

/**
 * The text a file gained since it was `offset` bytes long: the server's log also holds every request line, so a long
 * benchmark's log outgrows what one string can hold (~512 MB); only the run's own part is read.
 */
function readFrom(path: string, offset: number): string {
  const length = statSync(path).size - offset;
  if (length <= 0) return '';
  const buffer = Buffer.allocUnsafe(length);
  const fd = openSync(path, 'r');
  try {
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buffer, read, length - read, offset + read);
      if (n === 0) break;
      read += n;
    }
    return buffer.toString('utf8', 0, read);
  } finally {
    closeSync(fd);
  }
}

/** A run whose server promoted this much per request ran with V8's young generation in its promoting mode. */
export const gcPromoting = (s: ThroughputSample): boolean => s.promotedBytesPerReq > PROMOTING_BYTES_PER_REQ;

export interface TimedResponse {
  status: number;
  /** Request start to the first body byte. */
  ttfbMs: number;
  totalMs: number;
  /** Separate reads the client saw (a batching proxy shows fewer). */
  reads: number;
  headers: Record<string, string | string[] | undefined>;
}

/** One request timed with hrtime (µs resolution, unlike autocannon's histogram). */
export function timedRequest(t: Target, agent: Agent): Promise<TimedResponse> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const url = new URL(t.url);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(t.body), ...t.headers },
      },
      (res) => {
        let ttfb = -1;
        let reads = 0;
        res.on('data', () => {
          reads++;
          if (ttfb < 0) ttfb = performance.now() - started;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ttfbMs: ttfb, totalMs: performance.now() - started, reads, headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(t.body);
  });
}

export interface LatencySample {
  count: number;
  errors: number;
  ttfbP50Ms: number;
  ttfbP99Ms: number;
  totalP50Ms: number;
  totalP99Ms: number;
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** `concurrency` keep-alive clients issuing requests back to back for `durationMs`. */
export async function latency(t: Target, concurrency: number, durationMs: number): Promise<LatencySample> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const ttfb: number[] = [];
  const total: number[] = [];
  let errors = 0;
  const until = performance.now() + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < until) {
      try {
        const r = await timedRequest(t, agent);
        if (r.status !== 200) errors++;
        else {
          ttfb.push(r.ttfbMs);
          total.push(r.totalMs);
        }
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  const round = (n: number): number => Math.round(n * 1000) / 1000;
  return {
    count: total.length,
    errors,
    ttfbP50Ms: round(quantile(ttfb, 0.5)),
    ttfbP99Ms: round(quantile(ttfb, 0.99)),
    totalP50Ms: round(quantile(total, 0.5)),
    totalP99Ms: round(quantile(total, 0.99)),
  };
}
