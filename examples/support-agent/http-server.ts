import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Reads a request body (bounded) as JSON; undefined when it is not JSON. */
export async function readJson(request: IncomingMessage, limit = 1_000_000): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Writes a JSON response unless the client already went away. */
export function json(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Resolves after `ms`, or early (false) when the client disconnects. */
export function delay(ms: number, request: IncomingMessage): Promise<boolean> {
  return new Promise(resolve => {
    const timer = setTimeout(() => {
      request.off('close', onClose);
      resolve(true);
    }, ms);
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    request.once('close', onClose);
  });
}

/**
 * An HTTP server on 127.0.0.1 that can stop listening (so clients get ECONNREFUSED, as in a real outage) and
 * listen again on the same port.
 */
export class RestartableServer {
  private readonly server: Server;
  private port = 0;
  private listening = false;

  constructor(handler: (request: IncomingMessage, response: ServerResponse) => void) {
    this.server = createServer(handler);
  }

  /** Starts listening; `port` 0 picks a free port, kept across restarts. */
  async listen(port = this.port): Promise<number> {
    if (this.listening) return this.port;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.listening = true;
    return this.port;
  }

  /** Stops listening and drops open connections: new connections are refused. */
  async refuse(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>(resolve => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  get isListening(): boolean {
    return this.listening;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}
