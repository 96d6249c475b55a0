import { HttpError } from './http.js';

/**
 * Longest request target the API reads. Its longest route with the longest name, fully percent-encoded, is under
 * 250 characters; anything longer is refused (414) before any other work.
 */
export const MAX_TARGET_LENGTH = 2_048;

/** An RFC 3986 path and query: `/`, then unreserved, sub-delims, `:`, `@`, `/`, `?` or `%HH`, nothing else. */
const ORIGIN_FORM = /^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/;
/** `http(s)://authority`, the authority up to the first `/`, `?` or `#`. */
const ABSOLUTE_FORM = /^(https?:\/\/)([^/?#]*)/i;

/** The request target, split: `path` (raw, percent-encoded) if one could be found, `error` if it is malformed. */
export interface RequestTarget {
  readonly path?: string;
  readonly error?: HttpError;
}

const invalid = (message: string) => new HttpError(400, 'invalid_target', message);

/** Removes trailing slashes (`/health/` → `/health`, `/` stays), in linear time. */
function withoutTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 1 && path.charCodeAt(end - 1) === 0x2f) end -= 1;
  return path.slice(0, end);
}

/**
 * Turns an absolute-form target (`http://host:port/path?query`, RFC 9112 §3.2.2, which servers must accept) into
 * its origin form, or returns an error when its authority is not a valid host and port or carries credentials.
 */
function originFormOf(target: string): string | HttpError {
  const match = ABSOLUTE_FORM.exec(target);
  if (match === null) return invalid('The request target must be a path starting with "/"');
  const [prefix, scheme = '', authority = ''] = match;
  const rest = target.slice(prefix.length);
  if (authority.includes('@')) return invalid('The request target must not carry credentials');
  if (!URL.canParse(`${scheme}${authority}/`))
    return invalid('The request target has an invalid host or port');
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/**
 * Reads a request target (`request.url`) without normalising it: no dot segments resolved, no backslash turned into
 * a slash, no `//host` taken as an authority, so no spelling reaches a route other than its own. Never throws:
 * a target longer than {@link MAX_TARGET_LENGTH} is a 414; one that is not an RFC 3986 origin-form or absolute-form
 * target (bad percent-encoding anywhere, `\`, `#`, controls, `*`) is a 400, with the path still given when it is
 * readable, so a framework can pass requests that are not for this API along untouched.
 */
export function parseRequestTarget(target: string | undefined): RequestTarget {
  if (target === undefined || target === '') return { error: invalid('The request has no target') };
  if (target.length > MAX_TARGET_LENGTH) {
    return {
      error: new HttpError(414, 'uri_too_long', `The request target exceeds ${MAX_TARGET_LENGTH} characters`),
    };
  }
  const origin = target.startsWith('/') ? target : originFormOf(target);
  if (origin instanceof HttpError) return { error: origin };
  const query = origin.search(/[?#]/);
  const path = withoutTrailingSlashes(query < 0 ? origin : origin.slice(0, query));
  if (!ORIGIN_FORM.test(origin)) {
    return { path, error: invalid('The request target is not a valid path and query (RFC 3986)') };
  }
  return { path };
}
