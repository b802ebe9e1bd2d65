import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConfigInput } from '../src/config/schema.js';

export interface GatewayChild {
  url: string;
  /** Memory now; `gc` first forces a full collection. */
  memory(gc?: boolean): Promise<NodeJS.MemoryUsage>;
  stop(): Promise<void>;
}

/** Starts bench/gateway-child.ts under tsx with --expose-gc and waits until it listens. */
export async function startGatewayChild(config: ConfigInput): Promise<GatewayChild> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./gateway-child.ts', import.meta.url)), [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
    child.on('message', (m: unknown) => {
      if (typeof m === 'object' && m !== null && 'port' in m) resolve((m as { port: number }).port);
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    memory: (gc = false) =>
      new Promise((resolve) => {
        const onMessage = (m: unknown): void => {
          if (typeof m === 'object' && m !== null && 'memory' in m) {
            child.off('message', onMessage);
            resolve((m as { memory: NodeJS.MemoryUsage }).memory);
          }
        };
        child.on('message', onMessage);
        child.send(gc ? 'mem-gc' : 'mem');
      }),
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

export const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Least-squares slope of y over x. */
export function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
