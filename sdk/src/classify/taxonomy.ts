import { ERROR_CATEGORIES, type ErrorCategory } from '../semconv.js';
import type { CategoryDefaults } from './types.js';

const entry = (severity: CategoryDefaults['severity'], retryable: boolean, userMessage: string) =>
  Object.freeze({ severity, retryable, userMessage });

/**
 * The error taxonomy of DESIGN.md §4: default severity, retryability and end-user message of every category.
 * Frozen; {@link createClassifier}'s `defaults` option overrides it per classifier.
 */
export const CATEGORY_DEFAULTS: Readonly<Record<ErrorCategory, CategoryDefaults>> = Object.freeze({
  rate_limited: entry('medium', true, 'The AI service is receiving too many requests. Retrying shortly.'),
  quota_exceeded: entry(
    'critical',
    false,
    'The AI service usage quota has been reached. Please try again later.',
  ),
  overloaded: entry('medium', true, 'The AI service is temporarily overloaded. Retrying shortly.'),
  server_error: entry('medium', true, 'The service had a temporary problem. Retrying shortly.'),
  timeout: entry('medium', true, 'The service took too long to respond. Retrying shortly.'),
  network: entry('medium', true, 'The service could not be reached. Retrying shortly.'),
  authentication: entry(
    'high',
    false,
    'The service refused our credentials. Please contact the administrator.',
  ),
  validation: entry('low', false, 'The service could not process this request.'),
  not_found: entry('low', false, 'The requested model or resource was not found.'),
  context_length_exceeded: entry(
    'medium',
    false,
    'The conversation is too long for the AI model. Please shorten it and try again.',
  ),
  content_filtered: entry('medium', false, "The request was blocked by the AI service's content policy."),
  cancelled: entry('low', false, 'The request was cancelled.'),
  circuit_open: entry('medium', false, 'The service is temporarily unavailable. Please try again later.'),
  rejected: entry('medium', false, 'The system is busy. Please try again in a moment.'),
  programming: entry('high', false, 'Something went wrong on our side.'),
  unknown: entry('medium', true, 'Something went wrong. Please try again.'),
});

/**
 * Merges per-category overrides into the taxonomy. Returns a new frozen table; `overrides` must have been
 * validated (see `options.ts`).
 */
export function mergeCategoryDefaults(
  overrides: Partial<Record<ErrorCategory, Partial<CategoryDefaults>>> = {},
): Readonly<Record<ErrorCategory, CategoryDefaults>> {
  const merged = {} as Record<ErrorCategory, CategoryDefaults>;
  for (const category of ERROR_CATEGORIES) {
    const override = overrides[category];
    merged[category] = override
      ? Object.freeze({ ...CATEGORY_DEFAULTS[category], ...definedOnly(override) })
      : CATEGORY_DEFAULTS[category];
  }
  return Object.freeze(merged);
}

function definedOnly(override: Partial<CategoryDefaults>): Partial<CategoryDefaults> {
  const out: { -readonly [K in keyof CategoryDefaults]?: CategoryDefaults[K] } = {};
  if (override.severity !== undefined) out.severity = override.severity;
  if (override.retryable !== undefined) out.retryable = override.retryable;
  if (override.userMessage !== undefined) out.userMessage = override.userMessage;
  return out;
}
