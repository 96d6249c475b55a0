import { connect, type Socket } from 'node:net';

/** The first HTTP response read from a raw socket; `status` 0 when none arrived (hang or reset). */
export interface RawReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body as text (empty for HEAD, 204 and 304). */
  readonly text: string;
  /** Why no response arrived: `timeout`, `closed` or an error code. */
  readonly failure?: string;
}

export interface RawOptions {
  /** Whether the request was HEAD (the reply then has no body). */
  readonly head?: boolean;
  /** Safety bound: the socket is destroyed and `failure` is `timeout` when nothing complete arrived by then. */
  readonly timeoutMs?: number;
  /** Called once connected, to send the request (defaults to writing `data` and half-closing nothing). */
  readonly send?: (socket: Socket) => void;
}

const HEADER_END = '\r\n\r\n';

/**
 * Parses the first complete final response from `buffer` (interim 1xx responses such as `100 Continue` are
 * skipped), or returns undefined while it is still incomplete.
 */
function parseReply(buffer: Buffer, head: boolean): RawReply | undefined {
  const end = buffer.indexOf(HEADER_END);
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  if (status >= 100 && status < 200) return parseReply(buffer.subarray(end + HEADER_END.length), head);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const bodyStart = end + HEADER_END.length;
  const hasBody = !head && status !== 204 && status !== 304;
  const length = hasBody ? Number(headers['content-length'] ?? 0) : 0;
  if (buffer.length < bodyStart + length) return undefined;
  return { status, headers, text: buffer.subarray(bodyStart, bodyStart + length).toString('utf8') };
}

/**
 * Sends `data` verbatim to 127.0.0.1:`port` over a fresh TCP connection and resolves with the first response,
 * bypassing every client-side check `http.request` would make. Never rejects.
 */
export function sendRaw(port: number, data: string | Buffer, options: RawOptions = {}): Promise<RawReply> {
  const { head = false, timeoutMs = 5_000 } = options;
  return new Promise(resolve => {
    let buffer = Buffer.alloc(0);
    let settled = false;
    const socket = connect(port, '127.0.0.1');
    const finish = (reply: RawReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const fail = (failure: string) =>
      finish(parseReply(buffer, head) ?? { status: 0, headers: {}, text: '', failure });
    const timer = setTimeout(() => fail('timeout'), timeoutMs);
    socket.on('connect', () => {
      if (options.send !== undefined) options.send(socket);
      else socket.write(data);
    });
    socket.on('data', chunk => {
      buffer = Buffer.concat([buffer, chunk]);
      const reply = parseReply(buffer, head);
      if (reply !== undefined) finish(reply);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? 'error'));
    socket.on('close', () => fail('closed'));
  });
}

/** A raw request: `line` (e.g. `GET / HTTP/1.1`), then `headers` (Host and Connection: close added), then `body`. */
export function rawRequest(line: string, headers: readonly string[] = [], body = ''): string {
  return [line, 'Host: 127.0.0.1', 'Connection: close', ...headers, '', body].join('\r\n');
}
