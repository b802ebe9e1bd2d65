import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** A measured server in its own process. */
export interface ServerProcess {
  name: string;
  pid: number;
  port: number;
  url: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * CPUs the measured servers run on (`taskset -c`), set by `bench --pin`; the harness (load generator) and the fake
 * upstream keep the others. Unpinned, the scheduler moves a 2-core machine's two busy processes about and one
 * round's req/s differs from the next by up to ±30 %; pinned, the rounds agree within a few per cent.
 */
let measuredCpus: string | null = null;

/**
 * Pins this process (the harness) to CPUs 1..n-1 and the measured servers started after this to CPU 0; says so.
 * `sameCpu`: the measured servers go on the harness's first CPU instead (1), so no request needs a wake-up across
 * virtual CPUs (the first-byte tail test: on this VM an idle vCPU can take milliseconds to wake).
 */
export function pinMeasuredServers(opts: { sameCpu?: boolean } = {}): string {
  const n = cpus().length;
  if (n < 2) throw new Error('--pin needs at least 2 CPUs');
  // -a: every thread of the harness (autocannon's sockets are served by this process's event loop).
  execFileSync('taskset', ['-a', '-p', '-c', `1-${n - 1}`, String(process.pid)], { stdio: 'ignore' });
  measuredCpus = opts.sameCpu === true ? '1' : '0';
  if (opts.sameCpu === true) return 'measured servers, harness (load generator) and fake upstream all on CPU 1';
  return `measured servers on CPU 0; harness (load generator) and fake upstream on CPU${n > 2 ? `s 1-${n - 1}` : ' 1'}`;
}

/**
 * Moves running measured servers (every thread) to `cpus`, for the 1-connection latency scenarios, and back. A
 * request there is a strict chain (harness → gateway → upstream → gateway → harness): one CPU serves it without
 * waiting, while a hop to another CPU needs that virtual CPU woken, which on this VM (guest halt-polling off)
 * sometimes takes milliseconds — a tail the direct path, whose two parties share CPU 1, never pays.
 */
export function repinMeasured(pids: readonly number[], cpus: string): void {
  for (const pid of pids) execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/** The CPU list measured servers start on (`--pin`), or null when unpinned. */
export const measuredCpuList = (): string | null => measuredCpus;

/** `node ARGS`, under `taskset` when the process is measured and servers are pinned. */
function measuredCommand(nodeArgs: string[], measured: boolean): [string, string[]] {
  if (!measured || measuredCpus === null) return [process.execPath, nodeArgs];
  return ['taskset', ['-c', measuredCpus, process.execPath, ...nodeArgs]];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(forced);
  };
}

/** Starts a bench server that prints `{"port":N}` on its first stdout line; `measured: false` for helpers (the fake upstream). */
export async function startPortPrinter(name: string, args: string[], opts: { env?: NodeJS.ProcessEnv; measured?: boolean } = {}): Promise<ServerProcess> {
  const [file, argv] = measuredCommand(args, opts.measured ?? true);
  const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...opts.env } });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  child.stdout!.resume();
  return { name, pid: child.pid!, port, url: `http://127.0.0.1:${port}`, stop: stopper(child) };
}

/** Starts a server on a port we choose and waits until `readyPath` answers. stdout goes to `logFile` (pino lines). */
export async function startOnPort(
  name: string,
  args: (port: number) => string[],
  opts: { env?: (port: number) => NodeJS.ProcessEnv; readyPath: string; logFile: string; nodeArgs?: string[] },
): Promise<ServerProcess> {
  const port = await freePort();
  const out = openSync(opts.logFile, 'w');
  const [file, argv] = measuredCommand([...(opts.nodeArgs ?? []), ...args(port)], true);
  const child = spawn(file, argv, {
    stdio: ['ignore', out, 'inherit'],
    env: { ...process.env, ...opts.env?.(port) },
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${readFileSync(opts.logFile, 'utf8').slice(-2000)}`);
    try {
      const res = await fetch(url + opts.readyPath);
      await res.arrayBuffer();
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not become ready on ${url}`);
    await sleep(100);
  }
  return { name, pid: child.pid!, port, url, stop: stopper(child) };
}

/** Resident set size of a process, from /proc (Linux). */
export function rssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : NaN;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}
