import { EventEmitter, type IDisposable } from 'cockatiel';
import type { ClassifiedError } from '../classify/types.js';
import { type AttemptContext, SUCCEEDED } from '../core/attempt-context.js';
import { downstreamFailure, NEUTRAL } from '../core/attempt-outcome.js';
import { attemptEventSpan } from '../core/attempt-telemetry.js';
import type { CallContext } from '../core/call-context.js';
import { recordRejection } from '../core/rejection.js';
import type { AttemptNext, AttemptStage } from '../core/stage.js';
import { CircuitOpenError } from '../errors/signals.js';
import type { CircuitStateName } from '../semconv.js';
import { raceAbort } from '../util/abort.js';
import { isolatedListeners } from '../util/isolated-listeners.js';
import { BreakerFamily } from './circuit-breaker-family.js';
import {
  CIRCUIT_BREAKER_DEFAULTS,
  type CircuitBreakerOptions,
  createBreaker,
  createHalfOpenBackoff,
  DEFAULT_FAILURE_CATEGORIES,
} from './circuit-breaker-options.js';
import { BreakerStats, type CircuitBreakerSnapshot } from './circuit-breaker-stats.js';
import { BreakerTelemetry } from './circuit-breaker-telemetry.js';
import {
  type CircuitChange,
  CircuitStateMachine,
  REJECTED,
  type SavedCircuitState,
} from './circuit-state.js';
import { type BreakerFleet, SharedBreakerLink } from './shared-breaker-link.js';

/** A state change of a circuit breaker. */
export interface CircuitTransition {
  readonly breaker: string;
  readonly from: CircuitStateName;
  readonly to: CircuitStateName;
  /** `Date.now()` of the change. */
  readonly at: number;
  /** `fleet` when it applies another replica's change (a shared breaker), else `local`. */
  readonly origin: 'local' | 'fleet';
}

/** The input a standalone `execute` hands its function. */
type BreakerFn<T> = (input: { signal: AbortSignal }) => PromiseLike<T> | T;

/**
 * A named circuit breaker, instrumented: transitions with `from`/`to`, rejections, a one-hot state gauge, and
 * statistics for the monitoring API. Failure counting in the closed state is cockatiel's (`IBreaker`); the state
 * machine is ours (see `CircuitStateMachine`): half-open rejects calls beyond its probes, outcomes that are not
 * failures (a 400, a caller's cancellation) neither trip nor heal it, and `reset()` keeps isolation holds. Only
 * failures whose category is in `failureCategories` count. Share one instance between policies to guard a whole
 * provider; give it a `parent` to build a hierarchy.
 */
export class CircuitBreaker implements AttemptStage, IDisposable {
  readonly name: string;
  private readonly machine: CircuitStateMachine;
  private readonly failureCategories: ReadonlySet<string>;
  private readonly telemetry: BreakerTelemetry;
  private readonly stats = new BreakerStats();
  private readonly transitionEmitter = new EventEmitter<CircuitTransition>();
  private readonly cleanups: Array<() => void> = [];
  private disposed = false;
  /** The link to the fleet's state (a shared breaker). */
  private readonly fleet: SharedBreakerLink | undefined;
  /** @internal Parent, children and propagation of a hierarchy of breakers. */
  readonly family: BreakerFamily;

  /**
   * Fires on every state change. Each listener runs on its own: one that throws is reported through `diag` and
   * never keeps the others (a recovery manager following this breaker, say) from hearing the change.
   */
  readonly onTransition = isolatedListeners(this.transitionEmitter, 'circuit breaker onTransition');

  constructor(
    name: string,
    private readonly options: CircuitBreakerOptions,
    private readonly classify: NonNullable<CircuitBreakerOptions['classifier']>,
    fleet?: BreakerFleet,
  ) {
    this.name = name;
    this.failureCategories = new Set(options.failureCategories ?? DEFAULT_FAILURE_CATEGORIES);
    this.machine = new CircuitStateMachine(
      createBreaker(options.breaker),
      createHalfOpenBackoff(options.halfOpenAfterMs),
      { ...CIRCUIT_BREAKER_DEFAULTS.halfOpenSampling, ...options.halfOpenSampling },
      change => this.changed(change),
      options.initialState,
    );
    if (this.machine.state !== 'closed') this.stats.onTransition({ to: this.machine.state, at: Date.now() });
    this.telemetry = new BreakerTelemetry(name, () => this.machine.state);
    this.family = new BreakerFamily(this, options.parent, options.isolateChildren ?? false);
    this.family.onTransition(this.machine.state);
    this.family.attach();
    const host = { machine: this.machine, onFleetReset: () => this.stats.onReset() };
    this.fleet = fleet && new SharedBreakerLink(name, fleet, host);
  }

  private changed({ from, to }: CircuitChange): void {
    if (this.disposed) return;
    const origin = this.fleet?.applyingFleetState === true ? 'fleet' : 'local';
    const transition: CircuitTransition = { breaker: this.name, from, to, at: Date.now(), origin };
    this.stats.onTransition(transition);
    this.family.onTransition(to);
    this.telemetry.transition(from, to);
    this.transitionEmitter.emit(transition);
    if (origin === 'local') this.fleet?.share();
  }

  /** Current state. Open → half-open happens on the first call after the open wait (no timer per breaker). */
  get state(): CircuitStateName {
    return this.machine.state;
  }

  /** Milliseconds until an open circuit lets a probe through (shared: or another replica's probe ends). */
  get retryAfterMs(): number | undefined {
    const probeAt = this.machine.probeAt;
    if (probeAt === undefined) return undefined;
    return Math.max(0, probeAt - Date.now(), (this.fleet?.lease.blockedUntil ?? 0) - Date.now());
  }

  /** Statistics and configuration for dashboards and the monitoring API. */
  snapshot(): CircuitBreakerSnapshot {
    const family = { parent: this.family.parent?.name ?? null, children: this.family.childNames() };
    return this.stats.snapshot(this.name, this.state, this.retryAfterMs, family, {
      breaker: this.options.breaker ?? CIRCUIT_BREAKER_DEFAULTS.breaker,
      halfOpenAfterMs: this.options.halfOpenAfterMs ?? CIRCUIT_BREAKER_DEFAULTS.halfOpenAfterMs,
      halfOpenSampling: { ...CIRCUIT_BREAKER_DEFAULTS.halfOpenSampling, ...this.options.halfOpenSampling },
      failureCategories: [...this.failureCategories],
    });
  }

  /**
   * Holds the circuit open until the returned handle is disposed (reference-counted; survives {@link reset}). A
   * shared breaker is held open on every replica of the fleet, and released there when the handle is disposed.
   */
  isolate(): IDisposable {
    const hold = this.machine.isolate();
    return this.fleet === undefined ? hold : this.fleet.isolate(hold);
  }

  /** @internal A hold on this replica only (a parent's `isolateChildren`: each replica derives its own). */
  isolateLocally(): IDisposable {
    return this.machine.isolate();
  }

  /**
   * Closes the circuit and forgets its failure history (manual reset, e.g. from the monitoring API), on every
   * replica of a shared breaker. Isolation holds (an operator's, a parent's `isolateChildren`, an error-pattern
   * action) stay: the circuit remains isolated until their handles are disposed.
   */
  reset(): void {
    this.machine.reset();
    this.stats.onReset();
    this.fleet?.reset();
  }

  /** Serialisable state for `initialState`, e.g. to persist across serverless invocations. */
  toJSON(): SavedCircuitState {
    return this.machine.toJSON();
  }

  /**
   * Runs `fn` through the breaker (and its ancestors). A rejection is a `CircuitOpenError`. An abort of `signal`
   * is a cancellation: it never counts as a failure.
   */
  execute<T>(fn: BreakerFn<T>, signal?: AbortSignal): Promise<T> {
    const input = { signal: signal ?? new AbortController().signal };
    const judge = (error: unknown): unknown => (signal?.aborted === true ? NEUTRAL : error);
    const run = () => raceAbort(Promise.resolve(fn(input)), input.signal);
    return this.guard(undefined, judge, run) as Promise<T>;
  }

  /** @internal The pipeline stage (inside the retry loop). */
  runAttempt(attempt: AttemptContext, next: AttemptNext): Promise<unknown> {
    return this.guard(
      attempt,
      error => downstreamFailure(attempt, error),
      () => next(attempt),
    );
  }

  /** This breaker and its ancestors, root first (a disposed parent leaves the lineage). */
  private lineage(): CircuitBreaker[] {
    const chain: CircuitBreaker[] = [this];
    for (let b = this.family.parent; b !== undefined; b = b.family.parent) chain.unshift(b);
    return chain;
  }

  /**
   * Admits the call through every breaker of the lineage (root first; an open ancestor rejects before this
   * breaker is touched), runs it, and reports its outcome to each. `judge` says what a failure really was.
   */
  private guard(
    attempt: AttemptContext | undefined,
    judge: (error: unknown) => unknown,
    run: () => PromiseLike<unknown> | unknown,
    leaseAsks = 0,
  ): Promise<unknown> {
    const call = attempt?.call;
    const lineage = this.family.parent === undefined ? [this as CircuitBreaker] : this.lineage();
    // A shared breaker due for a probe first asks for the fleet's probe lease (bounded by the coordinator's
    // timeout; one call per replica waits, the others are rejected meanwhile).
    const lease = leaseAsks <= lineage.length ? this.leaseToAsk(lineage) : undefined;
    if (lease !== undefined) return lease.then(() => this.guard(attempt, judge, run, leaseAsks + 1));
    const permits: number[] = [];
    for (const breaker of lineage) {
      const permit = breaker.admit(call);
      if (permit === REJECTED) {
        // The ancestors that admitted it hear nothing about the downstream: a neutral outcome.
        for (const [i, p] of permits.entries()) lineage[i]?.settled(undefined, p, NEUTRAL);
        return Promise.reject(breaker.rejection());
      }
      if (attempt !== undefined && breaker.state === 'half_open') attempt.probe = true;
      permits.push(permit);
    }
    let running: Promise<unknown>;
    try {
      running = Promise.resolve(run());
    } catch (error) {
      running = Promise.reject(error);
    }
    return running.then(
      value => {
        if (attempt?.deferred === true) {
          // A committed stream is booked when it ends, with how it ended.
          attempt.onFinish(cause => {
            const judged = cause === SUCCEEDED ? SUCCEEDED : judge(cause);
            for (const [i, p] of permits.entries()) lineage[i]?.settled(attempt, p, judged);
          });
        } else {
          for (const [i, p] of permits.entries()) lineage[i]?.settled(attempt, p, SUCCEEDED);
        }
        return value;
      },
      (error: unknown) => {
        const cause = judge(error);
        for (const [i, p] of permits.entries()) lineage[i]?.settled(attempt, p, cause);
        throw error;
      },
    );
  }

  /**
   * The fleet's probe lease the first shared breaker of `lineage` (root first) due for a probe must ask for
   * before this call may be its probe; undefined when none must, or when a breaker before it rejects the call.
   */
  private leaseToAsk(lineage: readonly CircuitBreaker[]): Promise<void> | undefined {
    for (const breaker of lineage) {
      if (breaker.fleet?.lease.needed() === true) return breaker.fleet.lease.ask();
      const probing = breaker.machine.probeDue && (breaker.fleet?.lease.mayProbe() ?? true);
      if (breaker.machine.state !== 'closed' && !probing) return undefined;
    }
    return undefined;
  }

  /** Asks the state machine for a permit, recording a rejection and any open → half-open transition. */
  private admit(call: CallContext | undefined): number {
    this.stats.onCall();
    const before = this.machine.state;
    const permit = this.machine.acquire();
    if (permit === REJECTED) {
      this.stats.onRejection();
      recordRejection(call, this.telemetry.attributes, 'circuit_breaker');
    } else if (call !== undefined) {
      this.telemetry.annotate(call.callSpan, before, this.machine.state);
    }
    return permit;
  }

  private rejection(): CircuitOpenError {
    return new CircuitOpenError(this.name, {
      retryAfterMs: this.retryAfterMs,
      isolated: this.machine.state === 'isolated',
    });
  }

  /**
   * Books the outcome of an admitted call: `cause` is {@link SUCCEEDED} for a success, else what the failure
   * really was. A cancellation or an error outside `failureCategories` is neutral: it neither trips nor heals.
   */
  private settled(attempt: AttemptContext | undefined, permit: number, cause: unknown): void {
    const before = this.machine.state;
    // The statistics count every outcome observed; the state machine ignores one whose permit is stale (the
    // circuit moved since the call was admitted, e.g. it opened on a concurrent failure, or was reset).
    if (cause === SUCCEEDED) {
      this.stats.onSuccess();
      this.machine.success(permit);
    } else {
      const classified = cause === NEUTRAL ? undefined : this.classify(cause);
      if (classified !== undefined && this.counts(classified)) {
        this.stats.onFailure(classified);
        this.machine.failure(permit, cause);
      } else {
        this.stats.onIgnored();
        this.machine.neutral(permit);
      }
    }
    if (attempt !== undefined) this.telemetry.annotate(attemptEventSpan(attempt), before, this.machine.state);
  }

  /** Whether a classified error counts as a failure of this breaker. */
  private counts(classified: ClassifiedError): boolean {
    return this.failureCategories.has(classified.category);
  }

  /** Registers cleanup to run on {@link dispose} (e.g. leaving a registry). */
  onDispose(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  /** Stops reporting this breaker's gauge, leaves its registry, its family and its fleet (timers, subscriptions). */
  dispose(): void {
    this.disposed = true;
    this.fleet?.dispose();
    this.telemetry.dispose();
    this.family.dispose();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}
