import type { ClassifiedError } from './classified-error.js';

/** A classification as error classes serialize it: every field but the raw `cause`. */
export type ClassificationJSON = Omit<ClassifiedError, 'cause'>;

/**
 * The fields of a classification that are safe to log, picked one by one: never `cause` (the raw error, which may
 * carry the request's secrets) nor a field a custom classifier added.
 */
export function classificationJSON(c: ClassifiedError): ClassificationJSON {
  return {
    category: c.category,
    severity: c.severity,
    retryable: c.retryable,
    ...(c.retryAfterMs === undefined ? {} : { retryAfterMs: c.retryAfterMs }),
    errorType: c.errorType,
    ...(c.statusCode === undefined ? {} : { statusCode: c.statusCode }),
    ...(c.code === undefined ? {} : { code: c.code }),
    message: c.message,
    userMessage: c.userMessage,
    ...(c.injected === true ? { injected: true } : {}),
  };
}
