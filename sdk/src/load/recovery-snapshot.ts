import type { RecoveryState, RecoveryTrigger } from '../semconv.js';
import type { HealthCheckFailure } from './health-checker.js';

/** A state change of a recovery manager. */
export interface RecoveryTransition {
  readonly manager: string;
  readonly from: RecoveryState;
  readonly to: RecoveryState;
  readonly trigger: RecoveryTrigger;
  /** `Date.now()` of the change. */
  readonly at: number;
}

/** What the monitoring API reports for a recovery manager. */
export interface RecoverySnapshot {
  readonly name: string;
  readonly state: RecoveryState;
  /** Share of calls admitted now (0..1). */
  readonly trafficRatio: number;
  /** Milliseconds since the current state was entered. */
  readonly stateForMs: number;
  readonly lastTransition: RecoveryTransition | null;
  readonly consecutiveCheckFailures: number;
  readonly consecutiveCheckPasses: number;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  readonly lastHealthCheck: {
    readonly at: number;
    readonly healthy: boolean;
    readonly failure: HealthCheckFailure | null;
  } | null;
  readonly admitted: number;
  readonly shed: number;
  readonly circuitBreaker: string | null;
  readonly ramp: Readonly<Record<string, unknown>>;
}
