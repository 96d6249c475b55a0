import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http.js';

/** What a valid token looks like: 16-1024 visible ASCII characters (what a client can send in a header). */
export const TOKEN_PATTERN = /^[\x21-\x7e]{16,1024}$/;

/** `Bearer <token>`, the scheme case-insensitive (RFC 9110 §11.1), the token one run of visible characters. */
const BEARER = /^bearer +([\x21-\x7e]+) *$/i;

const digest = (value: string): Buffer => createHash('sha256').update(value, 'latin1').digest();

/** How many `Authorization` fields the request carries (node:http keeps only the first in `headers`). */
function authorizationCount(request: IncomingMessage): number {
  const raw = request.rawHeaders;
  if (!Array.isArray(raw)) return request.headers.authorization === undefined ? 0 : 1;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'authorization') count += 1;
  return count;
}

/**
 * Checks a request's bearer token, throwing the {@link HttpError} to answer when it is not the configured one:
 * 403 when no token is configured (mutations are then disabled, whatever the request carries), 400 for more than one
 * `Authorization` field (proxies disagree on which one counts), 401 otherwise. Both sides are hashed before the
 * constant-time comparison, so neither the token's content nor its length leaks through timing. Messages never
 * repeat what the request sent.
 */
export function authorize(request: IncomingMessage, token: string | undefined): void {
  if (token === undefined) {
    throw new HttpError(
      403,
      'mutations_disabled',
      'Mutating routes are disabled: configure a token to enable them',
    );
  }
  const count = authorizationCount(request);
  if (count > 1) {
    throw new HttpError(400, 'invalid_authorization', 'Send exactly one Authorization header');
  }
  const header = request.headers.authorization;
  const match = count === 1 && typeof header === 'string' ? BEARER.exec(header) : null;
  if (match === null) {
    throw new HttpError(401, 'unauthorized', 'A bearer token is required', { 'www-authenticate': 'Bearer' });
  }
  if (!timingSafeEqual(digest(match[1]!), digest(token))) {
    throw new HttpError(401, 'unauthorized', 'Invalid bearer token', {
      'www-authenticate': 'Bearer error="invalid_token"',
    });
  }
}
