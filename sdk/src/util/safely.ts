import { diag } from '@opentelemetry/api';

/**
 * Runs telemetry or a user callback whose failure must never change a call's outcome: a throw is reported
 * through OpenTelemetry's `diag` and swallowed.
 */
export function safely(what: string, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    diag.error(`agent-resilience: ${what} failed`, error);
  }
}

/** Like {@link safely} for a callback with a result: returns `fallback` when it throws. */
export function safelyGet<T>(what: string, fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch (error) {
    diag.error(`agent-resilience: ${what} failed`, error);
    return fallback;
  }
}
