import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * Lets `app.close()` end as soon as the requests in flight are answered. `forceCloseConnections: 'idle'` and node's
 * `server.close()` close the connections idle at that moment, and nothing else:
 * - a connection that has not sent a byte yet (a browser's preconnect, or undici's reconnect after an aborted
 *   request) counts for node as "waiting for headers", not idle, and `server.close()` stops the timer that would end
 *   it (headersTimeout): the close waits until the client hangs up, which may be never;
 * - a keep-alive connection busy when the close starts turns idle once its response ends, and then waits for the
 *   keep-alive timeout.
 * So while closing, every `sweepMs` milliseconds: close the idle connections and those that never sent a byte. A
 * client that was just about to send on one loses that connection, as with any idle keep-alive connection a server
 * closes; a new connection is refused once the listener is closed. No per-request cost: only connections are tracked.
 */
export function installConnectionDrain(app: FastifyInstance, sweepMs = 100): void {
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = (): void => {
    app.server.closeIdleConnections();
    for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy();
  };
  app.addHook('preClose', (done) => {
    sweep();
    sweeper = setInterval(sweep, sweepMs);
    sweeper.unref();
    done();
  });
  // The server's 'close' comes once its last connection has ended: nothing is left to sweep.
  app.server.once('close', () => clearInterval(sweeper));
}
