import { EventEmitter, type IDisposable } from 'cockatiel';
import type { Classifier } from '../classify/types.js';
import { type AttemptContext, SUCCEEDED } from '../core/attempt-context.js';
import { downstreamFailure, NEUTRAL } from '../core/attempt-outcome.js';
import { attemptEventSpan } from '../core/attempt-telemetry.js';
import type { CallContext } from '../core/call-context.js';
import { recordRejection } from '../core/rejection.js';
import type { AttemptNext, AttemptStage } from '../core/stage.js';
import { ExecutionRejectedError } from '../errors/signals.js';
import type { CircuitTransition } from '../policies/circuit-breaker.js';
import type { ErrorCategory, RecoveryState, RecoveryTrigger } from '../semconv.js';
import { raceAbort } from '../util/abort.js';
import { isolatedListeners } from '../util/isolated-listeners.js';
import { HealthChecker } from './health-checker.js';
import { type Clock, monotonicNow } from './internal.js';
import { RECOVERY_DEFAULTS, type RecoveryOptions } from './recovery-options.js';
import type { RecoverySnapshot, RecoveryTransition } from './recovery-snapshot.js';
import { RecoveryTelemetry } from './recovery-telemetry.js';
import { createRamp, type Ramp } from './traffic-ramp.js';

export type { RecoverySnapshot, RecoveryTransition } from './recovery-snapshot.js';

/**
 * Tracks whether one downstream is healthy, degraded, recovering or failed (see `RecoveryOptions` for what moves
 * it), from health checks, attempt outcomes and optionally a circuit breaker, and admits calls accordingly: all
 * when healthy, `degradedTrafficRatio` when degraded, none when failed, and a share that ramps up (in steps or
 * along Envoy's slow-start curve) while recovering. A shed call fails fast with
 * `ExecutionRejectedError('recovery')`, classified `rejected`, so the pipeline's fallback serves it. In
 * `createPolicy` it is the admission stage inside the circuit breaker and before the attempt timeout.
 */
export class RecoveryManager implements AttemptStage {
  private current: RecoveryState = 'healthy';
  private enteredAt: number;
  private checkFailures = 0;
  private checkPasses = 0;
  private failures = 0;
  private successes = 0;
  private admitted = 0;
  private shedCount = 0;
  private lastTransition: RecoveryTransition | null = null;
  private lastHealthCheck: RecoverySnapshot['lastHealthCheck'] = null;
  private readonly ramp: Ramp;
  private readonly now: Clock;
  private readonly random: () => number;
  private readonly failureCategories: ReadonlySet<ErrorCategory>;
  private readonly telemetry: RecoveryTelemetry;
  private readonly checker: HealthChecker | undefined;
  private readonly emitter = new EventEmitter<RecoveryTransition>();
  private readonly cleanups: Array<() => void> = [];

  /** Fires on every state change (listeners run safely). */
  readonly onStateChange = isolatedListeners(this.emitter, 'recovery onStateChange');

  constructor(
    readonly name: string,
    private readonly options: RecoveryOptions,
    private readonly classify: Classifier,
  ) {
    this.now = options.now ?? monotonicNow;
    this.random = options.random ?? Math.random;
    this.enteredAt = this.now();
    this.ramp = createRamp(options.ramp);
    this.failureCategories = new Set(options.failureCategories ?? RECOVERY_DEFAULTS.failureCategories);
    this.telemetry = new RecoveryTelemetry(name, () => ({ state: this.state, ratio: this.trafficRatio }));
    this.cleanups.push(() => this.telemetry.dispose());
    const breaker = options.circuitBreaker;
    if (breaker !== undefined) {
      const listener: IDisposable = breaker.onTransition(t => this.onBreakerTransition(t));
      this.cleanups.push(() => listener.dispose());
    }
    const check = options.healthCheck;
    if (check !== undefined) {
      const d = RECOVERY_DEFAULTS;
      this.checker = new HealthChecker(
        check,
        options.healthCheckIntervalMs ?? d.healthCheckIntervalMs,
        options.healthCheckTimeoutMs ?? d.healthCheckTimeoutMs,
        result => {
          this.lastHealthCheck = { at: Date.now(), healthy: result.healthy, failure: result.failure ?? null };
          this.onHealthCheck(result.healthy);
        },
      );
      this.cleanups.push(() => this.checker?.dispose());
      this.checker.start();
    }
  }

  private setting<K extends keyof typeof RECOVERY_DEFAULTS>(key: K): (typeof RECOVERY_DEFAULTS)[K] {
    return (this.options[key] as (typeof RECOVERY_DEFAULTS)[K] | undefined) ?? RECOVERY_DEFAULTS[key];
  }

  /** Current state (a completed ramp turns recovering into healthy when read). */
  get state(): RecoveryState {
    this.tick(undefined);
    return this.current;
  }

  /** Share of calls admitted now, 0..1. */
  get trafficRatio(): number {
    this.tick(undefined);
    if (this.current === 'recovering') return this.ramp.ratio(this.now() - this.enteredAt);
    if (this.current === 'degraded') return this.setting('degradedTrafficRatio');
    return this.current === 'failed' ? 0 : 1;
  }

  private tick(attempt: AttemptContext | undefined): void {
    if (this.current === 'recovering' && this.now() - this.enteredAt >= this.ramp.durationMs) {
      this.moveTo('healthy', 'ramp_complete', attempt);
    }
  }

  /** Decides whether one call may go to the downstream (counted in {@link METRICS}.recoveryAdmissions). */
  admit(): boolean {
    return this.admitAttempt(undefined);
  }

  private admitAttempt(attempt: AttemptContext | undefined): boolean {
    if (this.current !== 'healthy') this.tick(attempt);
    const ratio = this.current === 'healthy' ? 1 : this.trafficRatio;
    // A half-open breaker's probe always goes through: a shed probe would close it without any evidence.
    const probe = ratio < 1 && attempt?.probe === true && this.options.circuitBreaker?.state === 'half_open';
    const admitted = ratio >= 1 || probe || (ratio > 0 && this.random() < ratio);
    if (admitted) this.admitted++;
    else this.shedCount++;
    this.telemetry.admission(admitted, attempt?.call.telemetry);
    return admitted;
  }

  /** @internal The pipeline stage (inside the retry loop, inside the breaker). */
  runAttempt(attempt: AttemptContext, next: AttemptNext): Promise<unknown> {
    if (!this.admitAttempt(attempt)) return Promise.reject(this.shed(attempt.call));
    return next(attempt).then(
      value => {
        if (!attempt.deferred) this.succeeded(attempt);
        else {
          // A committed stream is learnt from when it ends, with how it ended.
          attempt.onFinish(cause => {
            if (cause === SUCCEEDED) this.succeeded(attempt);
            else this.learn(downstreamFailure(attempt, cause), attempt);
          });
        }
        return value;
      },
      (error: unknown) => {
        this.learn(downstreamFailure(attempt, error), attempt);
        throw error;
      },
    );
  }

  /** Counts a failure whose category is a failure category; a cancellation or a 400 teaches nothing. */
  private learn(cause: unknown, attempt?: AttemptContext): void {
    if (cause === NEUTRAL) return;
    if (this.failureCategories.has(this.classify(cause).category)) this.failed(attempt);
  }

  /** Runs `fn` if admitted (else rejects with `ExecutionRejectedError('recovery')`) and learns from its outcome. */
  async execute<T>(
    fn: (input: { signal: AbortSignal }) => PromiseLike<T> | T,
    signal?: AbortSignal,
  ): Promise<T> {
    if (!this.admit()) throw this.shed(undefined);
    try {
      const own = signal ?? new AbortController().signal;
      const value = await raceAbort(Promise.resolve(fn({ signal: own })), own);
      this.succeeded(undefined);
      return value;
    } catch (error) {
      this.learn(signal?.aborted === true ? NEUTRAL : error);
      throw error;
    }
  }

  private shed(call: CallContext | undefined): Error {
    recordRejection(call, this.telemetry.attributes, 'recovery');
    const percent = Math.round(this.trafficRatio * 100);
    return new ExecutionRejectedError(
      'recovery',
      `"${this.name}" is ${this.current} and admits ${percent}% of calls; this one was shed`,
    );
  }

  /** Reports a successful call to the downstream (done by `run`/`execute`; for callers of `admit`). */
  recordSuccess(): void {
    this.succeeded(undefined);
  }

  private succeeded(attempt: AttemptContext | undefined): void {
    this.failures = 0;
    this.successes++;
    if (this.current === 'degraded' && this.successes >= this.setting('successThreshold')) {
      this.moveTo('recovering', 'call_outcome', attempt);
    }
  }

  /** Reports a failed call to the downstream (done by `run`/`execute`; for callers of `admit`). */
  recordFailure(): void {
    this.failed(undefined);
  }

  private failed(attempt: AttemptContext | undefined): void {
    this.successes = 0;
    this.failures++;
    if (this.current === 'recovering') this.moveTo('degraded', 'call_outcome', attempt);
    else if (this.current === 'healthy' && this.failures >= this.setting('failureThreshold')) {
      this.moveTo('degraded', 'call_outcome', attempt);
    }
  }

  private onHealthCheck(healthy: boolean): void {
    this.telemetry.healthCheck(healthy);
    this.tick(undefined);
    if (healthy) {
      this.checkFailures = 0;
      this.checkPasses++;
      const down = this.current === 'degraded' || this.current === 'failed';
      if (down && this.checkPasses >= this.setting('healthyThreshold'))
        this.moveTo('recovering', 'health_check');
      return;
    }
    this.checkPasses = 0;
    this.checkFailures++;
    if (this.checkFailures >= this.setting('failedThreshold')) this.moveTo('failed', 'health_check');
    else if (this.current === 'recovering') this.moveTo('degraded', 'health_check');
    else if (this.current === 'healthy' && this.checkFailures >= this.setting('unhealthyThreshold')) {
      this.moveTo('degraded', 'health_check');
    }
  }

  private onBreakerTransition(t: CircuitTransition): void {
    this.tick(undefined);
    if (t.to === 'open' || t.to === 'isolated') {
      if (this.current === 'healthy' || this.current === 'recovering')
        this.moveTo('degraded', 'circuit_breaker');
    } else if (t.to === 'closed' && this.current === 'degraded') {
      this.moveTo('recovering', 'circuit_breaker');
    }
  }

  /** Runs a health check now (or joins the running one); resolves whether it passed. */
  async runHealthCheck(): Promise<boolean> {
    if (this.checker === undefined) throw new TypeError(`Recovery manager "${this.name}" has no healthCheck`);
    return (await this.checker.runNow()).healthy;
  }

  /** Forces the healthy state (e.g. from an operator), forgetting the counters. */
  reset(): void {
    this.checkFailures = this.checkPasses = 0;
    this.moveTo('healthy', 'manual');
  }

  private moveTo(to: RecoveryState, trigger: RecoveryTrigger, attempt?: AttemptContext): void {
    const from = this.current;
    this.failures = this.successes = 0;
    if (from === to) return;
    this.current = to;
    this.enteredAt = this.now();
    const transition = { manager: this.name, from, to, trigger, at: Date.now() };
    this.lastTransition = transition;
    this.telemetry.stateChange(
      attempt === undefined ? undefined : attemptEventSpan(attempt),
      from,
      to,
      trigger,
    );
    this.emitter.emit(transition);
  }

  /** State, counters and configuration for dashboards and the monitoring API. */
  snapshot(): RecoverySnapshot {
    const trafficRatio = this.trafficRatio;
    return {
      name: this.name,
      state: this.current,
      trafficRatio,
      stateForMs: Math.max(0, this.now() - this.enteredAt),
      lastTransition: this.lastTransition,
      consecutiveCheckFailures: this.checkFailures,
      consecutiveCheckPasses: this.checkPasses,
      consecutiveFailures: this.failures,
      consecutiveSuccesses: this.successes,
      lastHealthCheck: this.lastHealthCheck,
      admitted: this.admitted,
      shed: this.shedCount,
      circuitBreaker: this.options.circuitBreaker?.name ?? null,
      ramp: this.ramp.config,
    };
  }

  /** @internal Registers cleanup for {@link dispose}. */
  onDispose(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  /** Stops health checks and gauges, detaches from the breaker and leaves the registry. */
  dispose(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}
