import { statusFromMessage } from './adapters/http.js';
import { scanned } from './bounded.js';
import { CLASSIFY_DEFAULTS } from './defaults.js';
import { looksSecret } from './redact.js';

/**
 * What one error (or thrown value) says about itself, read defensively: a getter that throws, a Proxy or a
 * cyclic body never escapes. Duck-typed: no provider package is imported.
 */
export interface ErrorFacts {
  /** The value these facts describe. */
  readonly value: unknown;
  /** An `Error` (any realm, including `DOMException`). */
  readonly isError: boolean;
  /**
   * `name`, then constructor names along the prototype chain, nearest first, without duplicates; names longer
   * than `CLASSIFY_DEFAULTS.maxIdentifierLength` are skipped.
   */
  readonly names: readonly string[];
  /**
   * The raw (unredacted) message, for non-errors a description of the value: its first
   * `CLASSIFY_DEFAULTS.maxScanLength` characters, all that classification reads.
   */
  readonly message: string;
  /** The message plus any message found in the response body (each bounded like `message`), for pattern matching. */
  readonly texts: readonly string[];
  /** HTTP status from `status`, `statusCode`, `response.status`, `$metadata.httpStatusCode` or the body. */
  readonly fieldStatus: number | undefined;
  /** {@link fieldStatus}, else a status the message mentions ("Request failed with status code 503"). */
  readonly status: number | undefined;
  /** Response headers from `headers`, `responseHeaders` or `response.headers`. */
  readonly headers: unknown;
  /**
   * String codes: own `code` and `type`, then body `code`/`type`/`status` (OpenAI, Anthropic, Google shapes);
   * over-long and secret-looking ones are skipped.
   */
  readonly codes: readonly string[];
  /** Nested errors to look at when this one says too little: `cause`, `AggregateError.errors`, `error`. */
  readonly children: readonly unknown[];
}

/** Reads a property without letting a throwing getter or Proxy trap escape. */
export function prop(value: unknown, key: PropertyKey): unknown {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
  try {
    return (value as Record<PropertyKey, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** Non-null object (or function). */
export function isObject(value: unknown): value is object {
  return value !== null && (typeof value === 'object' || typeof value === 'function');
}

/** An `Error` from any realm. */
function isErrorLike(value: unknown): boolean {
  if (!isObject(value)) return false;
  try {
    return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
  } catch {
    return false;
  }
}

/** Reads everything the classifier looks at on one value. */
export function readFacts(value: unknown): ErrorFacts {
  const bodies = bodiesOf(value);
  const message = scanned(messageOf(value));
  const bodyTexts = bodies
    .flatMap(body => [prop(body, 'message'), prop(prop(body, 'error'), 'message')])
    .filter((text): text is string => typeof text === 'string')
    .map(scanned);
  const fieldStatus = statusOf(value) ?? bodies.map(bodyStatus).find(s => s !== undefined);
  return {
    value,
    isError: isErrorLike(value),
    names: namesOf(value),
    message,
    texts: [message, ...bodyTexts.filter(text => text !== message)],
    fieldStatus,
    status: fieldStatus ?? statusFromMessage(message),
    headers:
      prop(value, 'headers') ?? prop(value, 'responseHeaders') ?? prop(prop(value, 'response'), 'headers'),
    codes: codesOf(value, bodies),
    children: childrenOf(value),
  };
}

/** The message of an error or thrown value, as a string (not yet redacted). */
export function messageOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!isObject(value)) return typeof value === 'symbol' ? value.toString() : String(value);
  const message = prop(value, 'message');
  if (typeof message === 'string' && message !== '') return message;
  if (message !== undefined && message !== null && message !== '') return stringify(message);
  const status = statusOf(value);
  if (status !== undefined) {
    const text = prop(value, 'statusText');
    return `HTTP ${status}${typeof text === 'string' && text !== '' ? ` ${text}` : ''}`;
  }
  const inner = prop(prop(value, 'error'), 'message');
  if (typeof inner === 'string') return inner;
  if (typeof value === 'function') return 'a function';
  return isErrorLike(value) ? '' : Object.prototype.toString.call(value);
}

function stringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** `name`, then constructor names along the prototype chain (bounded), nearest first, unique. */
export function namesOf(value: unknown): string[] {
  // A thrown function's `name` is its own, not an error name.
  if (!isObject(value) || typeof value === 'function') return [];
  const names: string[] = [];
  const add = (name: unknown) => {
    if (isIdentifier(name) && !names.includes(name)) names.push(name);
  };
  add(prop(value, 'name'));
  try {
    let proto: unknown = Object.getPrototypeOf(value);
    for (let depth = 0; depth < 10 && isObject(proto) && proto !== Object.prototype; depth++) {
      const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
      if (typeof ctor === 'function') add(ctor.name);
      proto = Object.getPrototypeOf(proto);
    }
  } catch {
    // A Proxy with a throwing getPrototypeOf trap: keep what we have.
  }
  return names;
}

/**
 * A class name or code we read: a non-empty string no longer than `CLASSIFY_DEFAULTS.maxIdentifierLength` that
 * does not look like a secret (an upstream echoing a key as `code` must not make it an `error.type`).
 */
function isIdentifier(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value !== '' &&
    value.length <= CLASSIFY_DEFAULTS.maxIdentifierLength &&
    !looksSecret(value)
  );
}

/** A valid HTTP status (100-599) from a number or a 3-digit string. */
export function asStatus(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

/** HTTP status carried by the value's own fields (fetch/OpenAI `status`, Vercel `statusCode`, axios `response.status`, AWS `$metadata`). */
function statusOf(value: unknown): number | undefined {
  const response = prop(value, 'response');
  return (
    asStatus(prop(value, 'status')) ??
    asStatus(prop(value, 'statusCode')) ??
    asStatus(prop(response, 'status')) ??
    asStatus(prop(response, 'statusCode')) ??
    asStatus(prop(prop(value, '$metadata'), 'httpStatusCode'))
  );
}

function bodyStatus(body: object): number | undefined {
  return asStatus(prop(prop(body, 'error'), 'code')) ?? asStatus(prop(body, 'status'));
}

/** Response bodies an error carries: OpenAI/Anthropic `error`, Vercel `data`/`responseBody`, axios `response.data`, `body`, or the thrown object itself. */
export function bodiesOf(value: unknown): object[] {
  if (!isObject(value)) return [];
  const candidates = [
    prop(value, 'error'),
    prop(value, 'data'),
    parseJson(prop(value, 'responseBody')),
    prop(prop(value, 'response'), 'data'),
    parseJson(prop(value, 'body')),
  ];
  if (!isErrorLike(value)) candidates.push(value);
  return candidates.filter((b): b is object => isObject(b) && !isErrorLike(b) && typeof b !== 'function');
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (value.length > CLASSIFY_DEFAULTS.maxBodyParseLength) return undefined;
  const text = value.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function codesOf(value: unknown, bodies: readonly object[]): string[] {
  const codes: string[] = [];
  const add = (code: unknown) => {
    if (isIdentifier(code) && code !== 'error' && !codes.includes(code)) codes.push(code);
  };
  // `type` is a code only in snake_case (`insufficient_quota`, `overloaded_error`): a Response's `type` is
  // `default`/`cors`, an Anthropic body's is `error`, OpenAI's rate-limit `type` is `tokens`/`requests`.
  const addType = (type: unknown) => {
    if (typeof type === 'string' && type.includes('_')) add(type);
  };
  add(prop(value, 'code'));
  addType(prop(value, 'type'));
  for (const body of bodies) {
    const inner = prop(body, 'error');
    add(prop(inner, 'code'));
    addType(prop(inner, 'type'));
    add(prop(inner, 'status'));
    add(prop(body, 'code'));
    addType(prop(body, 'type'));
  }
  return codes;
}

function childrenOf(value: unknown): unknown[] {
  if (!isObject(value)) return [];
  const children: unknown[] = [];
  const cause = prop(value, 'cause');
  if (cause !== undefined && cause !== null) children.push(cause);
  const errors = prop(value, 'errors');
  if (Array.isArray(errors)) children.push(...errors.slice(0, CLASSIFY_DEFAULTS.maxAggregateErrors));
  const error = prop(value, 'error');
  if (isErrorLike(error)) children.push(error);
  return children;
}
