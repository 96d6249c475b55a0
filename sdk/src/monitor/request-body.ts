import type { IncomingMessage } from 'node:http';
import { announcesBody, HttpError } from './http.js';

/** How much body a request may send, and for how long. */
export interface BodyLimits {
  /** Largest accepted body in bytes; larger is 413. */
  readonly maxBytes: number;
  /** Longest wait for the whole body, from the first read; slower is 408. */
  readonly timeoutMs: number;
}

/** `application/json` or `application/<anything>+json`, parameters (charset) allowed, case-insensitive. */
function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

const tooLarge = (limit: number) =>
  new HttpError(413, 'payload_too_large', `The request body exceeds ${limit} bytes`);

/**
 * Reads a request body as JSON, within `limits`. Resolves `undefined` when there is no body, and the framework's
 * parsed `request.body` when a body parser (Express) already consumed the stream. Rejects with an
 * {@link HttpError}: 415 for a body that is not `application/json`, 413 as soon as the body (declared or
 * received) crosses `maxBytes`, 408 when it has not ended within `timeoutMs`, 400 for malformed JSON or a client
 * that went away. Always settles, and leaves no listener or timer behind.
 */
export function readJsonBody(request: IncomingMessage, limits: BodyLimits): Promise<unknown> {
  if (request.readableEnded) return Promise.resolve((request as { body?: unknown }).body);
  if (!announcesBody(request)) return Promise.resolve(undefined);
  if (!isJson(request.headers['content-type'])) {
    return Promise.reject(
      new HttpError(415, 'unsupported_media_type', 'The request body must be application/json'),
    );
  }
  if (Number(request.headers['content-length']) > limits.maxBytes) {
    return Promise.reject(tooLarge(limits.maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      clearTimeout(timer);
      request.off('data', onData).off('end', onEnd).off('close', onGone).off('error', onGone);
    };
    const fail = (error: HttpError) => {
      stop();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) fail(tooLarge(limits.maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, 'invalid_json', 'The request body is not valid JSON'));
      }
    };
    const onGone = () =>
      fail(new HttpError(400, 'request_aborted', 'The client closed the request before its body ended'));
    const timer = setTimeout(
      () =>
        fail(
          new HttpError(408, 'body_timeout', `The request body did not end within ${limits.timeoutMs} ms`),
        ),
      limits.timeoutMs,
    );
    timer.unref();
    request.on('data', onData).on('end', onEnd).on('close', onGone).on('error', onGone);
  });
}
