import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Checks the bearer token of a mutating request in constant time (both sides are hashed first, so neither the
 * token's content nor its length leaks through timing). Without a configured token mutations are disabled.
 */
export function authorize(request: IncomingMessage, token: string | undefined): void {
  if (token === undefined) {
    throw new HttpError(
      403,
      'mutations_disabled',
      'Mutating routes are disabled: configure a token to enable them',
    );
  }
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (match === null) {
    throw new HttpError(401, 'unauthorized', 'A bearer token is required', { 'www-authenticate': 'Bearer' });
  }
  if (!timingSafeEqual(digest(match[1]!), digest(token))) {
    throw new HttpError(401, 'unauthorized', 'Invalid bearer token', {
      'www-authenticate': 'Bearer error="invalid_token"',
    });
  }
}
