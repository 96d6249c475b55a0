import type { IncomingMessage, ServerResponse } from 'node:http';

/** The largest request body read, in bytes. */
export const MAX_BODY_BYTES = 1_000_000;

/** A request body read as JSON: the value, or why there is none. */
export type BodyResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: 'too_large' | 'invalid_json' };

/** Reads a request body as JSON; past `limit` bytes the rest is drained and discarded (linear time). */
export async function readJson(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  if (size > limit) return { ok: false, reason: 'too_large' };
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, reason: 'invalid_json' };
  }
}

/** Writes a JSON response unless the client already went away. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Resolves true after `ms`, or false as soon as the response closes (the client went away); no timer stays. */
export function waitOrClosed(response: ServerResponse, ms: number): Promise<boolean> {
  if (response.destroyed) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise(resolve => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      response.off('close', onClose);
      resolve(true);
    }, ms);
    response.once('close', onClose);
  });
}

/** Writes `text` and resolves true once it is handed to the socket, or false when the response closed first. */
export function writeText(response: ServerResponse, text: string): Promise<boolean> {
  if (response.destroyed) return Promise.resolve(false);
  return new Promise(resolve => {
    const onClose = (): void => resolve(false);
    response.once('close', onClose);
    response.write(text, error => {
      response.off('close', onClose);
      resolve(error == null && !response.destroyed);
    });
  });
}
