import { createServer, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { MAX_TIMER_MS } from '../util/timers.js';
import { OptionsValidator } from '../util/validate.js';
import { errorText, HttpError, JSON_HEADERS, sendError } from './http.js';
import { isLoopbackHost } from './loopback.js';
import {
  checkMonitorOptions,
  createMonitorHandler,
  MONITOR_OPTION_KEYS,
  type MonitorOptions,
} from './monitor-handler.js';

/** Options of {@link startMonitorServer}: the handler's, plus where to listen and the connection limits. */
export interface MonitorServerOptions extends MonitorOptions {
  /**
   * Interface to bind. Any address but loopback (127.0.0.0/8, ::1, localhost) needs `token`, or
   * `allowRemoteWithoutToken`. @default '127.0.0.1'
   */
  readonly host?: string;
  /** TCP port; 0 picks a free one. @default 9465 */
  readonly port?: number;
  /**
   * Bind a non-loopback `host` without a token: the read-only routes are then open to anyone who can reach the
   * port, and the mutating routes stay disabled (403); nothing enables them without a token. @default false
   */
  readonly allowRemoteWithoutToken?: boolean;
  /** Longest wait for a request's line and headers (`server.headersTimeout`); slower is 408. @default 10000 */
  readonly headersTimeoutMs?: number;
  /** Longest wait for a whole request, body included (`server.requestTimeout`); ≥ headersTimeoutMs. @default 30000 */
  readonly requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open (`server.keepAliveTimeout`). @default 5000 */
  readonly keepAliveTimeoutMs?: number;
  /** Largest request line plus headers, in bytes (`maxHeaderSize`); larger is 431. @default 8192 */
  readonly maxHeaderBytes?: number;
  /** Most connections open at once; more are dropped on arrival (`server.maxConnections`). @default 64 */
  readonly maxConnections?: number;
  /** How long `close()` waits for requests in flight before it cuts their connections. @default 5000 */
  readonly closeTimeoutMs?: number;
}

/** The options {@link startMonitorServer} adds to the handler's, all set. */
type ServerSettings = Required<Omit<MonitorServerOptions, keyof MonitorOptions>>;

/** Defaults of {@link MonitorServerOptions} (the handler's are in `MONITOR_DEFAULTS`). */
export const MONITOR_SERVER_DEFAULTS: Readonly<ServerSettings> = Object.freeze({
  host: '127.0.0.1',
  port: 9465,
  allowRemoteWithoutToken: false,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 8_192,
  maxConnections: 64,
  closeTimeoutMs: 5_000,
});

/** Requests one keep-alive connection carries before the server closes it. */
const MAX_REQUESTS_PER_SOCKET = 100;

/** A running monitoring server. */
export interface MonitorServer {
  /** Base URL of the API, e.g. `http://127.0.0.1:9465`. */
  readonly url: string;
  /** The address bound. */
  readonly host: string;
  /** The port bound (the one picked when `port` was 0). */
  readonly port: number;
  /**
   * Stops accepting connections, lets requests in flight finish (at most `closeTimeoutMs`, then cuts them) and
   * resolves once every connection is closed. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

type Settings = ServerSettings & MonitorOptions;

const SERVER_KEYS = [...MONITOR_OPTION_KEYS, ...Object.keys(MONITOR_SERVER_DEFAULTS)];

function validate(options: MonitorServerOptions): Settings {
  const v = new OptionsValidator('startMonitorServer');
  const o = v.object('options', options, SERVER_KEYS);
  checkMonitorOptions(v, o);
  const s: Settings = { ...MONITOR_SERVER_DEFAULTS, ...(o as MonitorServerOptions) };
  const hostOk = typeof s.host === 'string' && s.host !== '' && s.host.length <= 255;
  if (!hostOk) v.fail('host', 'a host name or IP address', s.host, typeof s.host !== 'string');
  v.number('port', o.port, { min: 0, max: 65_535, integer: true });
  v.boolean('allowRemoteWithoutToken', o.allowRemoteWithoutToken);
  const ms = { min: 1, max: MAX_TIMER_MS, integer: true };
  v.number('headersTimeoutMs', o.headersTimeoutMs, ms);
  if (v.number('requestTimeoutMs', o.requestTimeoutMs, ms) && s.requestTimeoutMs < s.headersTimeoutMs) {
    v.fail('requestTimeoutMs', `>= headersTimeoutMs (${s.headersTimeoutMs})`, s.requestTimeoutMs);
  }
  v.number('keepAliveTimeoutMs', o.keepAliveTimeoutMs, ms);
  v.number('maxHeaderBytes', o.maxHeaderBytes, { min: 1_024, max: 1_048_576, integer: true });
  v.number('maxConnections', o.maxConnections, { min: 1, integer: true });
  v.number('closeTimeoutMs', o.closeTimeoutMs, { min: 0, max: MAX_TIMER_MS, integer: true });
  if (s.chaos !== undefined && s.token === undefined) {
    v.fail(
      'token',
      'set when chaos is given (POST /chaos switches faults on: only a token holder may)',
      undefined,
    );
  } else if (hostOk && s.token === undefined && !s.allowRemoteWithoutToken && !isLoopbackHost(s.host)) {
    v.fail(
      'token',
      `set to bind ${JSON.stringify(s.host)}, which is not a loopback address (anyone who reaches it could read ` +
        'every breaker and error; bind 127.0.0.1, pass a token, or pass allowRemoteWithoutToken: true to serve ' +
        'the read-only routes openly, mutations staying disabled)',
      undefined,
    );
  }
  v.done();
  return s;
}

/** Answers for errors node:http raises before a request reaches the handler (Node's own have no body). */
function clientErrorFor(code: string | undefined, maxHeaderBytes: number): HttpError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new HttpError(
        431,
        'headers_too_large',
        `The request line and headers exceed ${maxHeaderBytes} bytes`,
      );
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new HttpError(408, 'request_timeout', 'The request did not arrive in time');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new HttpError(413, 'payload_too_large', 'The chunk extensions are too large');
    default:
      return new HttpError(400, 'bad_request', 'The request is not valid HTTP/1.1');
  }
}

/** A complete raw HTTP response for a socket node:http gave up on, closing the connection. */
function rawResponse(error: HttpError): string {
  const text = errorText(error.code, error.message);
  const headers = { ...JSON_HEADERS, 'content-length': Buffer.byteLength(text), connection: 'close' };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\n${lines.join('\r\n')}\r\n\r\n${text}`;
}

/**
 * Starts the monitoring API (see {@link createMonitorHandler}) on its own `node:http` server, hardened for
 * hostile clients: request line and headers bounded in size (431) and time (408), whole requests and bodies
 * bounded (408, 413), idle keep-alive connections closed, connections capped, every error answered as JSON.
 * Binds 127.0.0.1 by default; binding another interface needs a token (or an explicit opt-out). The server does
 * not keep the process alive.
 *
 * @example
 * const monitor = await startMonitorServer({ token: process.env.MONITOR_TOKEN });
 * console.log(`${monitor.url}/health`);
 * await monitor.close();
 */
export async function startMonitorServer(options: MonitorServerOptions = {}): Promise<MonitorServer> {
  const s = validate(options);
  const handler = createMonitorHandler({
    registry: s.registry,
    token: s.token,
    protectReads: s.protectReads,
    maxBodyBytes: s.maxBodyBytes,
    bodyTimeoutMs: s.bodyTimeoutMs,
    chaos: s.chaos,
  });
  const server = createServer(
    {
      maxHeaderSize: s.maxHeaderBytes,
      headersTimeout: s.headersTimeoutMs,
      requestTimeout: s.requestTimeoutMs,
      keepAliveTimeout: s.keepAliveTimeoutMs,
      // how often Node checks those two timeouts (default 30 s, which would let a slowloris hold on that long)
      connectionsCheckingInterval: Math.min(1_000, s.headersTimeoutMs),
      requireHostHeader: false, // the handler answers a missing Host itself, as JSON
    },
    handler,
  );
  server.maxRequestsPerSocket = MAX_REQUESTS_PER_SOCKET;
  server.maxConnections = s.maxConnections;
  // The response being written on each connection, so a late error there is answered through it, not over it.
  const inFlight = new Map<Duplex, ServerResponse>();
  server.on('request', (request, response) => {
    inFlight.set(request.socket, response);
    response.once('close', () => {
      if (inFlight.get(request.socket) === response) inFlight.delete(request.socket);
    });
  });
  server.on('checkExpectation', (_request, response: ServerResponse) =>
    sendError(response, new HttpError(417, 'expectation_failed', 'Only "Expect: 100-continue" is supported')),
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const answer = clientErrorFor(error.code, s.maxHeaderBytes);
    const response = inFlight.get(socket);
    if (response !== undefined) sendError(response, answer);
    else if (socket.writable && error.code !== 'ECONNRESET') socket.end(rawResponse(answer));
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `startMonitorServer: port ${s.port} on ${s.host} is already in use; pass another port (0 picks a free one)`,
              { cause: error },
            )
          : error,
      );
    server.once('error', onError);
    server.listen(s.port, s.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.unref();
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>(resolve => {
      const cut = setTimeout(() => server.closeAllConnections(), s.closeTimeoutMs);
      server.close(() => {
        clearTimeout(cut);
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  return { url: `http://${shownHost}:${address.port}`, host: address.address, port: address.port, close };
}
