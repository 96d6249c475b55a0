/**
 * Stand-ins for what Node's fetch (undici) and `net` throw: undici's error classes (`name`, `code` and message as
 * undici sets them), Node system errors (`code`, `errno`, `syscall`, `address`, `port`) and the
 * `AggregateError` of Happy Eyeballs (`autoSelectFamily`), whose `code` is its first error's.
 */

export class UndiciError extends Error {
  code = 'UND_ERR';
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UndiciError';
  }
}

export class ConnectTimeoutError extends UndiciError {
  constructor(message?: string) {
    super(message ?? 'Connect Timeout Error');
    this.name = 'ConnectTimeoutError';
    this.code = 'UND_ERR_CONNECT_TIMEOUT';
  }
}

export class HeadersTimeoutError extends UndiciError {
  constructor(message?: string) {
    super(message ?? 'Headers Timeout Error');
    this.name = 'HeadersTimeoutError';
    this.code = 'UND_ERR_HEADERS_TIMEOUT';
  }
}

export class SocketError extends UndiciError {
  readonly socket: unknown;
  constructor(message?: string, socket: unknown = null) {
    super(message ?? 'other side closed');
    this.name = 'SocketError';
    this.code = 'UND_ERR_SOCKET';
    this.socket = socket;
  }
}

const ERRNO: Record<string, number> = {
  ECONNREFUSED: -111,
  ECONNRESET: -104,
  ETIMEDOUT: -110,
  EPIPE: -32,
  ECONNABORTED: -103,
  ENOTFOUND: -3008,
  EAI_AGAIN: -3001,
};

/** A Node system error as `net`/`dns` create it: `connect ECONNREFUSED 127.0.0.1:443`. */
export function systemError(code: string, syscall = 'connect', address = '127.0.0.1', port = 443): Error {
  const dns = syscall === 'getaddrinfo';
  const message = dns ? `${syscall} ${code} ${address}` : `${syscall} ${code} ${address}:${port}`;
  return Object.assign(new Error(message), {
    errno: ERRNO[code] ?? -1,
    code,
    syscall,
    ...(dns ? { hostname: address } : { address, port }),
  });
}

/** The `TypeError: fetch failed` undici's fetch rejects with, its cause the underlying error. */
export function fetchFailed(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

/** Node's `NodeAggregateError` (all addresses of a host failed): `code` is the first error's. */
export function happyEyeballs(errors: Error[], withCode = true): AggregateError {
  const error = new AggregateError(errors);
  if (withCode) Object.assign(error, { code: (errors[0] as { code?: string } | undefined)?.code });
  return error;
}
