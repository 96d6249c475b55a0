import { expect } from 'vitest';
import type { ErrorCategory, Severity } from '../../semconv.js';
import type { ClassifiedError } from '../types.js';

/** DESIGN.md §4, copied literally: the default severity and retryability of every category. */
export const DESIGN_TABLE: Record<ErrorCategory, { retryable: boolean; severity: Severity }> = {
  rate_limited: { retryable: true, severity: 'medium' },
  quota_exceeded: { retryable: false, severity: 'critical' },
  overloaded: { retryable: true, severity: 'medium' },
  server_error: { retryable: true, severity: 'medium' },
  timeout: { retryable: true, severity: 'medium' },
  network: { retryable: true, severity: 'medium' },
  authentication: { retryable: false, severity: 'high' },
  validation: { retryable: false, severity: 'low' },
  not_found: { retryable: false, severity: 'low' },
  context_length_exceeded: { retryable: false, severity: 'medium' },
  content_filtered: { retryable: false, severity: 'medium' },
  cancelled: { retryable: false, severity: 'low' },
  circuit_open: { retryable: false, severity: 'medium' },
  rejected: { retryable: false, severity: 'medium' },
  programming: { retryable: false, severity: 'high' },
  unknown: { retryable: true, severity: 'medium' },
};

/** One row of a classification table. Unlisted `statusCode`/`retryAfterMs` must be absent. */
export interface Expected {
  readonly category: ErrorCategory;
  readonly retryable: boolean;
  readonly errorType: string;
  /** Defaults to the DESIGN.md severity of the category. */
  readonly severity?: Severity;
  readonly statusCode?: number;
  readonly retryAfterMs?: number;
  /** Checked only when listed. */
  readonly code?: string;
}

/** Asserts category, retryable, severity, errorType, statusCode and retryAfterMs (and code when listed). */
export function expectClassified(actual: ClassifiedError, expected: Expected): void {
  const want = {
    severity: DESIGN_TABLE[expected.category].severity,
    statusCode: undefined,
    retryAfterMs: undefined,
    ...expected,
  };
  const got = {
    category: actual.category,
    retryable: actual.retryable,
    severity: actual.severity,
    errorType: actual.errorType,
    statusCode: actual.statusCode,
    retryAfterMs: actual.retryAfterMs,
    ...('code' in expected ? { code: actual.code } : {}),
  };
  expect(got).toEqual(want);
}
