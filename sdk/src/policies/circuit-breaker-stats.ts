import type { ClassifiedError } from '../classify/types.js';
import type { CircuitStateName, ErrorCategory } from '../semconv.js';

/** Last failure a breaker counted, without the raw error. */
export interface BreakerFailureSummary {
  readonly at: number;
  readonly category: ErrorCategory;
  readonly errorType: string;
  readonly message: string;
}

/** What the monitoring API reports for one breaker. */
export interface CircuitBreakerSnapshot {
  readonly name: string;
  readonly state: CircuitStateName;
  /** Attempts that reached the breaker, rejections included. */
  readonly calls: number;
  readonly successes: number;
  /** Failures the breaker counted (their category is a failure category). */
  readonly failures: number;
  /** Errors that passed through without counting (cancelled, validation, …). */
  readonly ignored: number;
  /** Calls refused while open or isolated. */
  readonly rejections: number;
  /** successes / (successes + failures); null before any counted outcome. */
  readonly successRate: number | null;
  readonly consecutiveFailures: number;
  readonly lastFailure: BreakerFailureSummary | null;
  /** `Date.now()` when the circuit last opened, while it is open/half-open/isolated. */
  readonly openedAt: number | null;
  readonly lastTransitionAt: number | null;
  /** Milliseconds until a probe is allowed, while open. */
  readonly retryAfterMs: number | null;
  /** Name of the parent breaker in a hierarchy, if any. */
  readonly parent: string | null;
  /** Names of the child breakers. */
  readonly children: readonly string[];
  readonly config: Readonly<Record<string, unknown>>;
}

/** Running counters of one breaker (plain increments: cheap on the hot path). */
export class BreakerStats {
  private calls = 0;
  private successes = 0;
  private failures = 0;
  private ignored = 0;
  private rejections = 0;
  private consecutiveFailures = 0;
  private lastFailure: BreakerFailureSummary | null = null;
  private lastTransitionAt: number | null = null;
  /** When the circuit last left the closed state; undefined while closed. */
  openedAt: number | undefined;

  onCall(): void {
    this.calls++;
  }

  onSuccess(): void {
    this.successes++;
    this.consecutiveFailures = 0;
  }

  onFailure(classified: ClassifiedError): void {
    this.failures++;
    this.consecutiveFailures++;
    this.lastFailure = {
      at: Date.now(),
      category: classified.category,
      errorType: classified.errorType,
      message: classified.message,
    };
  }

  onIgnored(): void {
    this.ignored++;
  }

  onRejection(): void {
    this.rejections++;
  }

  onTransition(t: { readonly to: CircuitStateName; readonly at: number }): void {
    this.lastTransitionAt = t.at;
    if (t.to === 'closed') this.openedAt = undefined;
    else if (t.to === 'open' || t.to === 'isolated') this.openedAt = t.at;
  }

  onReset(): void {
    this.consecutiveFailures = 0;
  }

  snapshot(
    name: string,
    state: CircuitStateName,
    retryAfterMs: number | undefined,
    family: { readonly parent: string | null; readonly children: readonly string[] },
    config: Readonly<Record<string, unknown>>,
  ): CircuitBreakerSnapshot {
    const counted = this.successes + this.failures;
    return {
      name,
      state,
      calls: this.calls,
      successes: this.successes,
      failures: this.failures,
      ignored: this.ignored,
      rejections: this.rejections,
      successRate: counted === 0 ? null : this.successes / counted,
      consecutiveFailures: this.consecutiveFailures,
      lastFailure: this.lastFailure,
      openedAt: this.openedAt ?? null,
      lastTransitionAt: this.lastTransitionAt,
      retryAfterMs: retryAfterMs ?? null,
      ...family,
      config,
    };
  }
}
