import { ERROR_TYPE_OTHER } from '../semconv.js';
import { LANGUAGE_ERROR_CLASSES } from './adapters/node-errors.js';
import { CLASSIFY_DEFAULTS } from './defaults.js';
import type { ErrorFacts } from './facts.js';
import { looksSecret } from './redact.js';

/** Class names that say nothing beyond "an error": a code or status says more. */
const GENERIC_NAMES = new Set([
  'Error',
  'Object',
  'AggregateError',
  'DOMException',
  'SystemError',
  'Response',
  ...LANGUAGE_ERROR_CLASSES,
  // Thrown non-errors.
  'Array',
  'Map',
  'Set',
  'Promise',
  'Date',
  'RegExp',
  'Number',
  'String',
  'Boolean',
]);

/**
 * Makes a string fit for the `error.type` attribute: characters outside `[A-Za-z0-9_.:-]` become `_`, at most
 * 64 characters; empty or secret-looking → `_OTHER`.
 */
export function sanitizeErrorType(raw: string): string {
  return sanitizeCode(raw) ?? ERROR_TYPE_OTHER;
}

/** {@link sanitizeErrorType} for a `code`: `undefined` instead of `_OTHER`. */
export function sanitizeCode(raw: string): string | undefined {
  const head = String(raw).slice(0, CLASSIFY_DEFAULTS.maxIdentifierLength);
  if (looksSecret(head)) return undefined;
  const clean = head.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, CLASSIFY_DEFAULTS.maxErrorTypeLength);
  return clean === '' ? undefined : clean;
}

/** The first telling class name or `name` (not `Error`, not a minified one-or-two-letter name). */
export function meaningfulName(facts: ErrorFacts): string | undefined {
  return facts.names.find(name => !GENERIC_NAMES.has(name) && name.length >= 3);
}

/** Codes that look like identifiers (`ECONNRESET`, `insufficient_quota`), not free text. */
const CODE_LIKE = /^[A-Za-z][A-Za-z0-9_.:-]{1,63}$/;

function specific(facts: ErrorFacts): string | undefined {
  const code = facts.codes.find(c => CODE_LIKE.test(c));
  return code ?? (facts.fieldStatus === undefined ? undefined : String(facts.fieldStatus));
}

/**
 * The low-cardinality `error.type` of a classification, never derived from a message:
 * 1. the telling class name of the thrown error (`RateLimitError`, `APIConnectionError`, `AI_APICallError`);
 * 2. when the class is generic and a nested error decided: that error's class name, code or status
 *    (`TypeError: fetch failed` caused by `ECONNREFUSED` → `ECONNREFUSED`);
 * 3. the thrown error's own code (`ECONNRESET`) or HTTP status from a field (`503` for a `Response`);
 * 4. its built-in class name (`Error`, `TypeError`), or `_OTHER` for a thrown non-error.
 */
export function deriveErrorType(top: ErrorFacts, deciding: ErrorFacts): string {
  const raw =
    meaningfulName(top) ??
    (deciding === top ? undefined : (meaningfulName(deciding) ?? specific(deciding))) ??
    specific(top) ??
    (top.isError ? (top.names[0] ?? 'Error') : ERROR_TYPE_OTHER);
  return sanitizeErrorType(raw);
}
