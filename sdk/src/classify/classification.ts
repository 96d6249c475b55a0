import { CHAOS_INJECTED } from '../errors/classified-error.js';
import { sanitizeCode, sanitizeErrorType } from './error-type.js';
import { prop } from './facts.js';
import { redact } from './redact.js';
import type { ClassifiedError } from './types.js';

/** Whether chaos injection produced `value`: it carries {@link CHAOS_INJECTED} (read so that no trap throws). */
export function isInjected(value: unknown): boolean {
  return prop(value, CHAOS_INJECTED) === true;
}

/** Classifications built by {@link freezeClassification}: redacted already. */
const BUILT = new WeakSet<object>();

/**
 * Freezes a classification with `cause` as a non-enumerable property: `JSON.stringify`, structured loggers and
 * `console.log` show only the redacted fields, never the raw error (which may carry the request's secrets).
 */
export function freezeClassification(
  fields: Omit<ClassifiedError, 'cause'>,
  cause: unknown,
): ClassifiedError {
  const classified = Object.defineProperty({ ...fields }, 'cause', { value: cause, enumerable: false });
  BUILT.add(classified);
  return Object.freeze(classified) as ClassifiedError;
}

/**
 * Makes a classification from any classifier (a custom one may copy raw text) as safe as the built-in ones:
 * only the {@link ClassifiedError} fields, `message` and `userMessage` redacted, `errorType` and `code` sanitized
 * (a secret-looking code is dropped), `injected` only when `true` or when `error` carries the chaos marker (a
 * custom classifier knows nothing of chaos), `cause` non-enumerable (`error` when the classification lost it, as a
 * spread copy of a built-in classification does). Returns a built-in classification as it is.
 */
export function sanitizeClassification(classified: ClassifiedError, error: unknown): ClassifiedError {
  if (BUILT.has(classified)) return classified;
  const { category, severity, retryable, retryAfterMs, errorType, statusCode, code } = classified;
  const injected = classified.injected === true || isInjected(error);
  const safeCode = code === undefined ? undefined : sanitizeCode(code);
  return freezeClassification(
    {
      category,
      severity,
      retryable,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      errorType: sanitizeErrorType(errorType),
      ...(statusCode === undefined ? {} : { statusCode }),
      ...(safeCode === undefined ? {} : { code: safeCode }),
      message: redact(classified.message),
      userMessage: redact(classified.userMessage),
      ...(injected ? { injected: true } : {}),
    },
    classified.cause ?? error,
  );
}
