import { createServer } from 'node:net';

/** Listens on `port` on 127.0.0.1, closes again, and resolves with the port bound (rejects when it is taken). */
export function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

/** A loopback port nothing listens on (it was free a moment ago): e.g. a Collector that is down. */
export function freeLoopbackPort(): Promise<number> {
  return listenOn(0);
}
