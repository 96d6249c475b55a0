/**
 * The loopback ports of the local stack: checks that a chosen port is free and picks free ones for port 0.
 * A port picked here is released before the server that uses it starts; the window is short, and a server that
 * then fails to bind stops the stack with its error.
 */
import { createServer } from 'node:net';

export const HOST = '127.0.0.1';

/** The services of the stack that listen on a port, with the option that sets each. */
export const PORT_OPTIONS = {
  prometheus: { option: 'prometheus-port', what: 'Prometheus', default: 9090 },
  alertmanager: { option: 'alertmanager-port', what: 'Alertmanager', default: 9093 },
  webhook: { option: 'webhook-port', what: 'the webhook receiver', default: 8080 },
  metrics: { option: 'metrics-port', what: "the demo's /metrics", default: 9464 },
  monitor: { option: 'monitor-port', what: "the demo's monitoring API", default: 9465 },
} as const;

export type PortName = keyof typeof PORT_OPTIONS;
export type StackPorts = Readonly<Record<PortName, number>>;

export const DEFAULT_PORTS: StackPorts = Object.fromEntries(
  Object.entries(PORT_OPTIONS).map(([name, p]) => [name, p.default]),
) as Record<PortName, number>;

/** A port that is taken (or cannot be bound), named for the user. */
export class PortInUseError extends Error {}

/** Binds `port` on 127.0.0.1 (0 = any free port), then releases it; resolves to the bound port. */
function probe(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port, host: HOST, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * Resolves every port: a non-zero port must be free (else PortInUseError naming it and its option), port 0
 * becomes a free port distinct from the others.
 */
export async function resolvePorts(requested: StackPorts): Promise<StackPorts> {
  const resolved: Partial<Record<PortName, number>> = {};
  const taken = new Set(Object.values(requested).filter(p => p !== 0));
  for (const name of Object.keys(PORT_OPTIONS) as PortName[]) {
    const port = requested[name];
    const { option, what } = PORT_OPTIONS[name];
    if (port !== 0) {
      try {
        resolved[name] = await probe(port);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new PortInUseError(
          code === 'EADDRINUSE'
            ? `port ${port} (${what}, --${option}) is already in use on ${HOST}; stop what uses it or choose another port`
            : `port ${port} (${what}, --${option}) cannot be bound on ${HOST}: ${(error as Error).message}`,
        );
      }
      continue;
    }
    let free = await probe(0);
    while (taken.has(free)) free = await probe(0);
    taken.add(free);
    resolved[name] = free;
  }
  return resolved as StackPorts;
}
