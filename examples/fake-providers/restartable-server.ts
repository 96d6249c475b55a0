import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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
