import type { ErrorCategory } from '../../semconv.js';
import type { ErrorFacts } from '../facts.js';
import { REFINABLE, type Verdict } from '../internal-types.js';

/**
 * Node.js system error codes, undici codes and a few client-library codes (axios), by category. `ECONNABORTED`
 * is `network` except when the message says it was a timeout (axios uses it for its own timeouts).
 */
const SYSTEM_CODES: Readonly<Record<string, ErrorCategory>> = {
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  ERR_SOCKET_CONNECTION_TIMEOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ECONNREFUSED: 'network',
  ECONNRESET: 'network',
  ECONNABORTED: 'network',
  ENOTFOUND: 'network',
  EAI_AGAIN: 'network',
  EAI_FAIL: 'network',
  EPIPE: 'network',
  EHOSTUNREACH: 'network',
  EHOSTDOWN: 'network',
  ENETUNREACH: 'network',
  ENETDOWN: 'network',
  ENETRESET: 'network',
  EPROTO: 'network',
  UND_ERR_SOCKET: 'network',
  UND_ERR_CLOSED: 'network',
  ERR_STREAM_PREMATURE_CLOSE: 'network',
  ERR_HTTP2_STREAM_ERROR: 'network',
  ERR_HTTP2_SESSION_ERROR: 'network',
  ERR_NETWORK: 'network',
  ABORT_ERR: 'cancelled',
  UND_ERR_ABORTED: 'cancelled',
  ERR_CANCELED: 'cancelled',
};

/** The category of a Node.js/undici/axios error code, if we know it. */
export function categoryOfSystemCode(code: string, message = ''): ErrorCategory | undefined {
  const category = SYSTEM_CODES[code];
  if (code === 'ECONNABORTED' && /\btime(?:d\s*)?out\b/i.test(message)) return 'timeout';
  return category;
}

/** Names of errors that mean a timeout or a cancellation, whatever their class. */
const NAMES: Readonly<Record<string, ErrorCategory>> = {
  TimeoutError: 'timeout', // DOMException from AbortSignal.timeout()
  ConnectTimeoutError: 'timeout', // undici
  HeadersTimeoutError: 'timeout',
  BodyTimeoutError: 'timeout',
  AbortError: 'cancelled', // DOMException, Node's AbortError
  CanceledError: 'cancelled', // axios
};

/** Messages of the `TypeError` fetch implementations throw for network failures (undici, Chrome, Firefox, Safari). */
const FETCH_FAILED =
  /^(?:fetch failed|failed to fetch|load failed|networkerror when attempting to fetch resource\.?|terminated|network error)$/i;

/** The language's own error classes: thrown by a bug, not by a downstream. */
export const LANGUAGE_ERROR_CLASSES: ReadonlySet<string> = new Set([
  'TypeError',
  'ReferenceError',
  'SyntaxError',
  'RangeError',
  'EvalError',
  'URIError',
]);

/** Cancellations that a nested timeout turns into a timeout (Node's `AbortError` whose `cause` is the signal's reason). */
const CANCELLED_UNLESS_TIMEOUT: readonly ErrorCategory[] = ['timeout'];

/** Cancellation and timeout by error name: `DOMException` `TimeoutError`/`AbortError`, undici timeouts, axios `CanceledError`. */
export function byErrorName(facts: ErrorFacts): Verdict | undefined {
  for (const name of facts.names) {
    const category = NAMES[name];
    if (category === 'cancelled') return { category, yieldTo: CANCELLED_UNLESS_TIMEOUT };
    if (category) return { category };
  }
  return undefined;
}

/** The first own or body code that is a known system code. */
export function bySystemCode(facts: ErrorFacts): Verdict | undefined {
  for (const code of facts.codes) {
    const category = categoryOfSystemCode(code, facts.message);
    if (category === 'cancelled') return { category, yieldTo: CANCELLED_UNLESS_TIMEOUT };
    if (category) return { category };
  }
  return undefined;
}

/** `TypeError: fetch failed` and friends: `network`, unless the cause chain says something more precise. */
export function byFetchFailure(facts: ErrorFacts): Verdict | undefined {
  if (facts.names.includes('TypeError') && FETCH_FAILED.test(facts.message.trim())) {
    return { category: 'network', yieldTo: REFINABLE };
  }
  return undefined;
}

/**
 * Bugs: `TypeError`, `ReferenceError`, `SyntaxError`, `RangeError` (and `EvalError`, `URIError`) of the language
 * itself. A nested network or timeout error still wins (undici's `TypeError: terminated` over a socket error).
 */
export function byProgrammingError(facts: ErrorFacts): Verdict | undefined {
  if (!facts.isError) return undefined;
  const builtin = facts.names.find(name => LANGUAGE_ERROR_CLASSES.has(name));
  if (builtin === undefined || facts.fieldStatus !== undefined) return undefined;
  return { category: 'programming', yieldTo: REFINABLE };
}

const TIMEOUT_TEXT = /\btimed?[\s-]?out\b|\btimeout\b|\bdeadline exceeded\b/i;
const NETWORK_TEXT =
  /\bsocket hang up\b|\bnetwork (?:error|failure)\b|\bconnection (?:reset|refused|closed|error|failed)\b|\b(?:ECONNRESET|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EPIPE)\b/i;

/** Last-resort message heuristics for errors with no status, code or telling class. */
export function byNetworkText(facts: ErrorFacts): Verdict | undefined {
  if (facts.status !== undefined) return undefined;
  const text = facts.texts.join(' ');
  if (TIMEOUT_TEXT.test(text)) return { category: 'timeout' };
  if (NETWORK_TEXT.test(text)) return { category: 'network' };
  return undefined;
}
