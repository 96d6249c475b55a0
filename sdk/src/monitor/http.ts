import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag } from '@opentelemetry/api';

/**
 * An error answered as JSON with an HTTP status. Its message is fixed text, at most with a validated name or a
 * settings error that was redacted and bounded.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** Headers of every answer: JSON, never cached, never sniffed as another type. */
export const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
});

/** The body of an error answer: `{ "error": { "code", "message" } }`. */
export function errorText(code: string, message: string): string {
  return `${JSON.stringify({ error: { code, message } })}\n`;
}

/** Whether the request announces a body (HTTP/1.1: a `content-length` above 0 or a `transfer-encoding`). */
export function announcesBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Whether part of the request body is still unread (then the connection cannot carry another request). */
function bodyPending(request: IncomingMessage | undefined): boolean {
  return request !== undefined && !request.readableEnded && announcesBody(request);
}

/**
 * Writes a JSON answer. Never throws: a response whose headers already went out (or whose client left) is
 * destroyed instead. A request whose body was not read is answered with `connection: close`, so the unread
 * rest is never parsed as a next request.
 */
function send(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Readonly<Record<string, string>>,
): void {
  try {
    if (response.headersSent || response.destroyed) {
      response.destroy();
      return;
    }
    response.writeHead(status, {
      ...JSON_HEADERS,
      'content-length': String(Buffer.byteLength(text)),
      ...(bodyPending(response.req) ? { connection: 'close' } : {}),
      ...headers,
    });
    response.end(text);
  } catch {
    response.destroy();
  }
}

/** Reports a server-side failure through `diag`; never throws, not even when the diag logger does. */
export function reportFailure(what: string, error: unknown): void {
  try {
    diag.error(`agent-resilience: monitoring API ${what}`, error);
  } catch {
    // a failing diag logger must not cost the client its answer
  }
}

/** Writes `body` as JSON with `status`. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  let text: string;
  try {
    text = `${JSON.stringify(body, null, 2)}\n`;
  } catch (error) {
    reportFailure('answer could not be serialised', error);
    sendError(response, new HttpError(500, 'internal_error', 'Internal error'));
    return;
  }
  send(response, status, text, {});
}

/** Writes an {@link HttpError} as `{ "error": { "code", "message" } }` with its status and headers. */
export function sendError(response: ServerResponse, error: HttpError): void {
  send(response, error.status, errorText(error.code, error.message), error.headers);
}
