import { ERROR_CATEGORIES, SEVERITIES } from '../semconv.js';
import { isObject, prop } from './facts.js';
import type { ClassifiedError } from './types.js';

/** True when `value` has the shape of a {@link ClassifiedError}. */
export function isClassifiedError(value: unknown): value is ClassifiedError {
  return (
    isObject(value) &&
    (ERROR_CATEGORIES as readonly unknown[]).includes(prop(value, 'category')) &&
    (SEVERITIES as readonly unknown[]).includes(prop(value, 'severity')) &&
    typeof prop(value, 'retryable') === 'boolean' &&
    typeof prop(value, 'errorType') === 'string' &&
    typeof prop(value, 'message') === 'string' &&
    typeof prop(value, 'userMessage') === 'string'
  );
}
