import { CLASSIFY_DEFAULTS } from './defaults.js';

/**
 * Response headers as the HTTP clients we meet expose them: a WHATWG `Headers` (fetch, OpenAI, Anthropic), a
 * `Map`, an object with a `get()` method (axios `AxiosHeaders`), or a plain object (Vercel AI SDK
 * `responseHeaders`, Node's `IncomingHttpHeaders`, whose values may be arrays).
 */
export type HeaderSource =
  | { get(name: string): unknown }
  | ReadonlyMap<string, unknown>
  | Readonly<Record<string, unknown>>;

/** True when `value` can be read with {@link getHeader}. */
export function isHeaderSource(value: unknown): value is HeaderSource {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads one header case-insensitively. Returns the first value of a multi-valued header, trimmed; `undefined`
 * when absent, empty, or when reading throws (a hostile getter never escapes).
 */
export function getHeader(headers: unknown, name: string): string | undefined {
  return readHeader(headers, name, Number.POSITIVE_INFINITY);
}

/**
 * A header as the classifier reads it: {@link getHeader}, but a value longer than
 * `CLASSIFY_DEFAULTS.maxHeaderLength` (before trimming) counts as absent, so no parser runs over a hostile one.
 */
export function classifierHeader(headers: unknown, name: string): string | undefined {
  return readHeader(headers, name, CLASSIFY_DEFAULTS.maxHeaderLength);
}

function readHeader(headers: unknown, name: string, maxLength: number): string | undefined {
  if (!isHeaderSource(headers)) return undefined;
  try {
    return normalize(read(headers, name.toLowerCase()), maxLength);
  } catch {
    return undefined;
  }
}

function read(headers: HeaderSource, lower: string): unknown {
  if (headers instanceof Map) {
    if (headers.has(lower)) return headers.get(lower);
    for (const [key, value] of headers) {
      if (typeof key === 'string' && key.toLowerCase() === lower) return value;
    }
    return undefined;
  }
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') {
    // Headers#get and AxiosHeaders#get are case-insensitive already.
    const value: unknown = get.call(headers, lower);
    if (value !== undefined && value !== null) return value;
  }
  const record = headers as Readonly<Record<string, unknown>>;
  if (Object.hasOwn(record, lower)) return record[lower];
  for (const key of Object.keys(record)) {
    if (key.toLowerCase() === lower) return record[key];
  }
  return undefined;
}

function normalize(value: unknown, maxLength: number): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'number' && Number.isFinite(first)) return String(first);
  if (typeof first !== 'string' || first.length > maxLength) return undefined;
  const trimmed = first.trim();
  return trimmed === '' ? undefined : trimmed;
}
