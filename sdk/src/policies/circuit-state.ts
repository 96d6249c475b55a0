import {
  CircuitState,
  type IBackoff,
  type IBackoffFactory,
  type IBreaker,
  type IDisposable,
  type IHalfOpenAfterBackoffContext,
} from 'cockatiel';
import type { CircuitStateName } from '../semconv.js';
import { NEVER_ABORTED } from '../util/abort.js';
import type { FleetBase } from './shared-breaker.js';

/** How many probes half-open lets through and what share of them may fail (cockatiel 4's `halfOpenSampling`). */
export interface HalfOpenSampling {
  readonly calls: number;
  readonly threshold: number;
}

/** What `toJSON()` returns and `initialState` accepts. Half-open is saved as open and due for a probe. */
export interface SavedCircuitState {
  readonly state: 'closed' | 'open';
  /** `Date.now()` when the circuit opened (0: a probe is due at once). */
  readonly openedAt?: number;
  /** Consecutive openings (drives a growing half-open backoff). */
  readonly openings?: number;
  /** The breaker algorithm's own state (cockatiel's `IBreaker.state`). */
  readonly breaker?: unknown;
}

/** A state change, as the state machine reports it. */
export interface CircuitChange {
  readonly from: CircuitStateName;
  readonly to: CircuitStateName;
}

type BaseState =
  | { readonly name: 'closed' }
  | {
      readonly name: 'open';
      readonly openedAt: number;
      readonly backoff: IBackoff<IHalfOpenAfterBackoffContext>;
      readonly openings: number;
    }
  | {
      readonly name: 'half_open';
      readonly backoff: IBackoff<IHalfOpenAfterBackoffContext>;
      readonly openings: number;
      inFlight: number;
      successes: number;
      failures: number;
    };

/** Returned by {@link CircuitStateMachine.acquire} when the circuit refuses a call. */
export const REJECTED = -1;

/**
 * The states of a circuit breaker and how outcomes move them (internal; no telemetry here). The failure counting
 * of the closed state is cockatiel's `IBreaker` (consecutive, count or sampling); the open wait is a cockatiel
 * backoff. Unlike cockatiel's `CircuitBreakerPolicy`, and as in Polly v8:
 * - in half-open, calls beyond the probe slots are rejected at once (not queued behind the probe);
 * - a neutral outcome (an error that is not a failure, e.g. a 400, or a caller's cancellation) neither closes
 *   nor reopens the circuit: a neutral probe frees its slot for the next caller;
 * - isolation holds are counted apart from the state, so `reset()` never drops them.
 * A call is admitted with a permit (the generation of the state it was admitted in); an outcome reported with a
 * permit of an earlier generation (the circuit moved meanwhile) is ignored.
 */
export class CircuitStateMachine {
  private base: BaseState = { name: 'closed' };
  private holds = 0;
  private generation = 0;
  private readonly initialBreakerState: unknown;
  /** Whether this replica may probe now (a shared breaker: it holds the fleet's probe lease). */
  private mayProbe: () => boolean = () => true;

  constructor(
    private readonly breaker: IBreaker,
    private readonly halfOpenAfter: IBackoffFactory<IHalfOpenAfterBackoffContext>,
    private readonly sampling: HalfOpenSampling,
    private readonly onChange: (change: CircuitChange) => void,
    initial: SavedCircuitState | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.initialBreakerState = structuredClone(breaker.state);
    if (initial !== undefined) this.restore(initial);
  }

  /** The circuit's state; `isolated` while any isolation hold is active. */
  get state(): CircuitStateName {
    return this.holds > 0 ? 'isolated' : this.base.name;
  }

  /** `Date.now()` when an open circuit lets a probe through; undefined unless open. */
  get probeAt(): number | undefined {
    const base = this.base;
    return this.holds === 0 && base.name === 'open' ? base.openedAt + base.backoff.duration : undefined;
  }

  /**
   * Whether the next call would be a probe: open with its wait over, or half-open with a free probe slot (holds
   * aside: an isolated circuit probes nothing).
   */
  get probeDue(): boolean {
    if (this.holds > 0) return false;
    const base = this.base;
    if (base.name === 'open') return this.now() >= base.openedAt + base.backoff.duration;
    return base.name === 'half_open' && base.inFlight + base.successes + base.failures < this.sampling.calls;
  }

  /**
   * Lets probes through only while `mayProbe` says so (a shared breaker: while this replica holds the fleet's
   * probe lease); a due probe it refuses is rejected as the open circuit rejects, and the circuit stays open.
   */
  gateProbes(mayProbe: () => boolean): void {
    this.mayProbe = mayProbe;
  }

  /** Asks to run one call: returns a permit for its outcome, or {@link REJECTED}. */
  acquire(): number {
    if (this.holds > 0) return REJECTED;
    const base = this.base;
    if (base.name === 'closed') return this.generation;
    if (base.name === 'open') {
      if (this.now() < base.openedAt + base.backoff.duration || !this.mayProbe()) return REJECTED;
      this.move({ ...base, name: 'half_open', inFlight: 0, successes: 0, failures: 0 });
      return this.admitProbe(this.base);
    }
    return this.admitProbe(base);
  }

  private admitProbe(base: BaseState): number {
    if (base.name !== 'half_open') return REJECTED;
    if (base.inFlight + base.successes + base.failures >= this.sampling.calls) return REJECTED;
    if (!this.mayProbe()) return REJECTED;
    base.inFlight++;
    return this.generation;
  }

  /** Reports a success of the call admitted with `permit` (ignored when the permit is stale). */
  success(permit: number): void {
    if (permit !== this.generation) return;
    const base = this.base;
    if (base.name === 'closed') {
      this.breaker.success(CircuitState.Closed);
    } else if (base.name === 'half_open') {
      base.inFlight--;
      base.successes++;
      this.completeHalfOpen(base);
    }
  }

  /** Reports a failure (an error of a failure category) of the call admitted with `permit`. */
  failure(permit: number, error: unknown): void {
    if (permit !== this.generation) return;
    const base = this.base;
    if (base.name === 'closed') {
      if (this.breaker.failure(CircuitState.Closed)) this.open(error, 1, undefined);
    } else if (base.name === 'half_open') {
      base.inFlight--;
      base.failures++;
      if (base.failures > this.sampling.threshold * this.sampling.calls) {
        this.breaker.failure(CircuitState.HalfOpen);
        this.open(error, base.openings + 1, base.backoff);
      } else {
        this.completeHalfOpen(base);
      }
    }
  }

  /** Reports a neutral outcome (not a failure, not a success: a 400, a cancellation): frees a probe slot. */
  neutral(permit: number): void {
    if (permit !== this.generation) return;
    const base = this.base;
    if (base.name === 'half_open') {
      base.inFlight--;
      this.completeHalfOpen(base);
    }
  }

  private completeHalfOpen(base: BaseState & { name: 'half_open' }): void {
    if (base.inFlight > 0 || base.successes + base.failures < this.sampling.calls) return;
    this.breaker.success(CircuitState.HalfOpen);
    this.move({ name: 'closed' });
  }

  private open(
    error: unknown,
    openings: number,
    previous: IBackoff<IHalfOpenAfterBackoffContext> | undefined,
  ): void {
    const context = { attempt: openings, result: { error }, signal: NEVER_ABORTED };
    const backoff = previous === undefined ? this.halfOpenAfter.next(context) : previous.next(context);
    this.move({ name: 'open', openedAt: this.now(), backoff, openings });
  }

  /**
   * Holds the circuit open until the returned handle is disposed (reference-counted; survives `reset()`). When
   * the last hold is released the circuit is back in the state it was held over: closed stays closed, an open
   * circuit keeps its wait (a child breaker that opened on its own failures is not force-closed when its parent
   * releases it), and probes that were in flight when the hold began are due again.
   */
  isolate(): IDisposable {
    const from = this.state;
    const base = this.base;
    if (base.name === 'half_open') {
      // The probes in flight become stale: after the hold, a probe is due at once.
      this.base = { ...base, name: 'open', openedAt: this.now() - base.backoff.duration };
    }
    this.holds++;
    this.generation++;
    this.announce(from);
    let released = false;
    return {
      dispose: () => {
        if (released) return;
        released = true;
        const before = this.state;
        this.holds--;
        this.announce(before);
      },
    };
  }

  /** Closes the circuit and forgets its failure history. Isolation holds stay until their handles are disposed. */
  reset(): void {
    const from = this.state;
    this.clear();
    this.announce(from);
  }

  /**
   * Takes the fleet's base state (a shared breaker applying another replica's change): closed (forgetting the
   * failure history, as `reset()` does, when it was not closed or when `forget`), or open since `openedAt`.
   * Probes in flight become stale; holds stay. Reported as any transition is.
   */
  adopt(fleet: FleetBase, forget: boolean): void {
    const from = this.state;
    const base = this.base;
    if (fleet.state === 'closed') {
      if (base.name === 'closed' && !forget) return;
      this.clear();
    } else {
      if (base.name === 'open' && base.openedAt === fleet.openedAt && base.openings === fleet.openings)
        return;
      const { openedAt, openings } = fleet;
      this.base = { name: 'open', openedAt, openings, backoff: this.backoffAfter(openings) };
      this.generation++;
    }
    this.announce(from);
  }

  /** The base state to share with a fleet; `undefined` while half-open (a probe is out: nothing to share yet). */
  shareable(): FleetBase | undefined {
    const base = this.base;
    if (base.name === 'closed') return { state: 'closed' };
    if (base.name === 'open') return { state: 'open', openedAt: base.openedAt, openings: base.openings };
    return undefined;
  }

  private clear(): void {
    this.breaker.state = structuredClone(this.initialBreakerState);
    this.base = { name: 'closed' };
    this.generation++;
  }

  private move(next: BaseState): void {
    const from = this.state;
    this.base = next;
    this.generation++;
    this.announce(from);
  }

  private announce(from: CircuitStateName): void {
    const to = this.state;
    if (from !== to) this.onChange({ from, to });
  }

  /** Serialisable state for `initialState` (holds are in-process and not saved). */
  toJSON(): SavedCircuitState {
    const base = this.base;
    const breaker = this.breaker.state;
    if (base.name === 'closed') return { state: 'closed', breaker };
    const openedAt = base.name === 'open' ? base.openedAt : 0;
    return { state: 'open', openedAt, openings: base.openings, breaker };
  }

  private restore(saved: SavedCircuitState): void {
    if (saved.breaker !== undefined) this.breaker.state = structuredClone(saved.breaker);
    if (saved.state !== 'open') return;
    const openings = saved.openings ?? 1;
    this.base = {
      name: 'open',
      openedAt: saved.openedAt ?? 0,
      backoff: this.backoffAfter(openings),
      openings,
    };
  }

  /** The open wait after `openings` (at least 1; validated at most 1000) consecutive openings. */
  private backoffAfter(openings: number): IBackoff<IHalfOpenAfterBackoffContext> {
    const first = { attempt: 1, result: { error: undefined }, signal: NEVER_ABORTED };
    let backoff = this.halfOpenAfter.next(first);
    for (let attempt = 2; attempt <= openings; attempt++) {
      backoff = backoff.next({ ...first, attempt });
    }
    return backoff;
  }
}
