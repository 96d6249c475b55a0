import { ResilienceError } from '../../errors/call-errors.js';
import { CircuitOpenError, ExecutionRejectedError, ResilienceTimeoutError } from '../../errors/signals.js';
import type { ErrorCategory } from '../../semconv.js';
import { type ErrorFacts, prop } from '../facts.js';
import type { Verdict } from '../internal-types.js';
import { isClassifiedError } from '../is-classified-error.js';
import type { ClassifiedError } from '../types.js';

/**
 * The classification a final call error (`ResilienceError` subclass) already carries, so that an outer policy
 * classifies an inner policy's failure exactly as the inner one did.
 */
export function carriedClassification(value: unknown): ClassifiedError | undefined {
  if (!ResilienceError.isInstance(value)) return undefined;
  const classified = prop(value, 'classified');
  return isClassifiedError(classified) ? classified : undefined;
}

/** cockatiel 4 marks its errors with brand properties (`isBrokenCircuitError = true`, …); order matters. */
const BRANDS: readonly (readonly [string, ErrorCategory])[] = [
  ['isBrokenCircuitError', 'circuit_open'], // IsolatedCircuitError extends BrokenCircuitError
  ['isIsolatedCircuitError', 'circuit_open'],
  ['isHydratingCircuitError', 'circuit_open'],
  ['isBulkheadRejectedError', 'rejected'],
];

/**
 * Our own signal errors (`CircuitOpenError` with its `retryAfterMs`, `ExecutionRejectedError`,
 * `ResilienceTimeoutError`) and cockatiel's (`BrokenCircuitError`, `IsolatedCircuitError`,
 * `BulkheadRejectedError`, `TaskCancelledError`: `timeout` when its message says "timed out").
 */
export function byResilienceSignal(facts: ErrorFacts): Verdict | undefined {
  const { value } = facts;
  if (CircuitOpenError.isInstance(value)) return { category: 'circuit_open', retryAfterMs: delay(value) };
  if (ExecutionRejectedError.isInstance(value)) return { category: 'rejected', retryAfterMs: delay(value) };
  if (ResilienceTimeoutError.isInstance(value)) return { category: 'timeout' };
  for (const [brand, category] of BRANDS) {
    if (prop(value, brand) === true) return { category };
  }
  if (prop(value, 'isTaskCancelledError') === true) {
    return { category: /\btimed out\b/i.test(facts.message) ? 'timeout' : 'cancelled' };
  }
  return undefined;
}

function delay(value: unknown): number | undefined {
  const ms = prop(value, 'retryAfterMs');
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
