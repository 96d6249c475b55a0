import { diag } from '@opentelemetry/api';
import type { IDisposable } from 'cockatiel';
import { safely } from '../util/safely.js';
import type { CircuitStateMachine } from './circuit-state.js';
import type {
  CircuitBreakerCoordinator,
  FleetBase,
  FleetCircuitChange,
  FleetCircuitState,
  SharedCircuit,
} from './shared-breaker.js';
import { FleetProbeLease } from './shared-breaker-lease.js';

/** How often a shared breaker reads the fleet's state, to heal announcements it missed. */
export const FLEET_READ_EVERY_MS = 1_000;

/** Named in `diag` when applying or sharing a fleet state throws (nothing of it may reach a call or crash). */
const APPLYING = 'applying a shared circuit breaker state';

/** Most proposals one write makes in a row (an answer may call for another: a conflict, a newer local change). */
const MAX_ROUNDS = 4;

/** How a breaker joins its fleet (`createCircuitBreaker(name, { shared })`). */
export interface BreakerFleet {
  readonly coordinator: CircuitBreakerCoordinator;
  /** How long one replica may hold the fleet's probe lease. */
  readonly probeTimeoutMs: number;
}

/** The breaker a link drives. */
export interface SharedBreakerHost {
  readonly machine: CircuitStateMachine;
  /** Another replica reset the fleet: forget the statistics a local `reset()` forgets. */
  onFleetReset(): void;
}

const CLOSED: FleetBase = Object.freeze({ state: 'closed' });

function baseOf(state: FleetCircuitState | undefined): FleetBase {
  if (state === undefined || state.state === 'closed') return CLOSED;
  return { state: 'open', openedAt: state.openedAt, openings: state.openings };
}

function sameBase(a: FleetBase, b: FleetBase): boolean {
  if (a.state === 'closed' || b.state === 'closed') return a.state === b.state;
  return a.openedAt === b.openedAt && a.openings === b.openings;
}

/**
 * The link of one circuit breaker to its fleet (`createCircuitBreaker(name, { shared })`). The breaker's own state
 * machine decides every call, so the success path never waits on the store; the link:
 * - shares local changes (opened, closed or reopened by a probe, reset, isolated by an operator) off the call path,
 *   as a compare-and-set on the fleet's generation: a replica that lost the race takes the winner's state;
 * - applies the changes of other replicas (announced, or read every {@link FLEET_READ_EVERY_MS} to heal a missed
 *   announcement) through the machine, so transitions, telemetry and listeners follow; a state whose generation is
 *   not above the one known is ignored;
 * - lets this replica probe only while it holds the fleet's probe lease: the others keep rejecting, as open,
 *   until the probe's outcome is shared;
 * - runs on local state alone while the store does not answer, and shares it again when the store is back
 *   (`reconnected`, or a read finding the store behind: emptied by a restart, expired).
 */
export class SharedBreakerLink {
  private known: FleetCircuitState | undefined;
  /** Bumped whenever `known` changes: a read that started before is stale. */
  private epoch = 0;
  /** The fleet's probe lease as this replica knows it. */
  readonly lease: FleetProbeLease;
  private writing = false;
  private reading = false;
  private resetPending = false;
  private resyncPending = false;
  /** Operator isolations of this replica (`isolate()`) not yet released. */
  private ownHolds = 0;
  /** The hold that applies the isolation of other replicas here. */
  private fleetHold: IDisposable | undefined;
  private applying = false;
  private disposed = false;
  private readonly circuit: SharedCircuit;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    name: string,
    fleet: BreakerFleet,
    private readonly host: SharedBreakerHost,
    now: () => number = Date.now,
  ) {
    const circuit = fleet.coordinator.circuitBreaker(name, {
      announced: state => this.announced(state),
      reconnected: () => void this.read(),
    });
    this.circuit = circuit;
    this.lease = new FleetProbeLease(
      {
        generation: () => this.generation,
        machine: host.machine,
        request: (generation, leaseMs) => this.ask('probe', () => circuit.probe(generation, leaseMs)),
        reconcile: state => this.reconcile(state),
      },
      fleet.probeTimeoutMs,
      now,
    );
    host.machine.gateProbes(() => this.lease.mayProbe());
    this.timer = setInterval(() => void this.read(), FLEET_READ_EVERY_MS);
    this.timer.unref?.();
    void this.read();
  }

  /** Whether the transition being reported applies another replica's change. */
  get applyingFleetState(): boolean {
    return this.applying;
  }

  /** The generation of the fleet's state this replica knows (0: none). */
  get generation(): number {
    return this.known?.generation ?? 0;
  }

  /**
   * Shares an operator's isolation with the fleet; the handle returned releases it there too (once): the fleet
   * stays isolated while another replica holds it as well.
   */
  isolate(hold: IDisposable): IDisposable {
    this.ownHolds++;
    this.share();
    let released = false;
    return {
      dispose: () => {
        if (released) return;
        released = true;
        hold.dispose();
        this.ownHolds--;
        this.share();
      },
    };
  }

  /** Resets the fleet (a local `reset()` already ran). */
  reset(): void {
    this.resetPending = true;
    this.share();
  }

  /**
   * Shares the local state with the fleet when it differs from the fleet's (or a reset or isolation is pending),
   * a microtask later and one proposal at a time: never on the call path, never failing it.
   */
  share(): void {
    if (this.disposed || this.writing) return; // the write in progress looks again when its answer comes
    this.writing = true;
    queueMicrotask(() => void this.write());
  }

  private async write(): Promise<void> {
    try {
      for (let round = 0; round < MAX_ROUNDS && !this.disposed; round++) {
        const change = this.proposal();
        if (change === undefined) return;
        const pending = { reset: this.resetPending, resync: this.resyncPending };
        this.resetPending = this.resyncPending = false;
        const answer = await this.ask('publish', () => this.circuit.propose(this.generation, change));
        if (this.disposed) return;
        if (answer?.accepted !== true) {
          this.resetPending ||= pending.reset;
          this.resyncPending ||= pending.resync;
        }
        // The store did not answer: local state stands; the next read that answers shares it.
        if (answer === undefined) return;
        if (answer.accepted) this.accepted(answer.state);
        else if (answer.state !== null && answer.state.generation > this.generation) this.adopt(answer.state);
      }
    } catch (error) {
      diag.error(`agent-resilience: ${APPLYING} failed`, error);
    } finally {
      this.writing = false;
    }
  }

  /** The change to propose, or undefined when the fleet already has the local state. */
  private proposal(): FleetCircuitChange | undefined {
    const known = this.known;
    const base = this.host.machine.shareable() ?? baseOf(known);
    const self = this.circuit.replicaId;
    const others = this.othersIsolating(known);
    const holding = this.ownHolds > 0;
    let cause: FleetCircuitChange['cause'] = 'outcome';
    if (this.resetPending) cause = 'reset';
    else if ((known?.isolatedBy.includes(self) ?? false) !== holding) cause = 'isolation';
    else if (this.resyncPending) cause = 'resync';
    else if (sameBase(base, baseOf(known))) return undefined;
    const open = base.state === 'open' ? base : { openedAt: 0, openings: 0 };
    const isolatedBy = holding ? [...others, self] : others;
    return { state: base.state, isolatedBy, openedAt: open.openedAt, openings: open.openings, cause };
  }

  /** The replicas other than this one that hold the fleet isolated. */
  private othersIsolating(state: FleetCircuitState | undefined): string[] {
    return (state?.isolatedBy ?? []).filter(id => id !== this.circuit.replicaId);
  }

  private accepted(state: FleetCircuitState | null): void {
    if (state === null || state.generation <= this.generation) return; // a newer state came meanwhile
    this.learn(state);
    this.applying = true;
    try {
      this.followIsolation(state);
    } finally {
      this.applying = false;
    }
  }

  /** Holds this replica isolated while another replica holds the fleet isolated (its own holds are its own). */
  private followIsolation(state: FleetCircuitState): void {
    if (this.othersIsolating(state).length > 0) this.fleetHold ??= this.host.machine.isolate();
    else this.releaseFleetHold();
  }

  private announced(state: FleetCircuitState): void {
    if (this.disposed || state.generation <= this.generation) return; // stale, or already known
    safely(APPLYING, () => {
      this.adopt(state);
      this.share();
    });
  }

  private async read(): Promise<void> {
    if (this.disposed || this.reading) return;
    this.reading = true;
    const epoch = this.epoch;
    try {
      const state = await this.ask('read', () => this.circuit.read());
      // A state learnt meanwhile may be newer than this read: the next read checks again.
      if (state !== undefined && !this.disposed && epoch === this.epoch) this.reconcile(state);
    } finally {
      this.reading = false;
    }
  }

  /** Applies the store's state as read now: takes a newer one; shares the local one when the store is behind. */
  private reconcile(state: FleetCircuitState | null): void {
    safely(APPLYING, () => {
      if (state !== null && state.generation > this.generation) this.adopt(state);
      else if ((state?.generation ?? 0) < this.generation) this.resyncPending = true;
      this.share();
    });
  }

  /**
   * Applies another replica's state through the machine (transitions, telemetry and listeners follow). A reset
   * asked here and not yet shared keeps the local (reset) base and is shared next: an operator's reset is not
   * undone by a change that reached the fleet before it (unless that change is a reset itself).
   */
  private adopt(state: FleetCircuitState): void {
    this.learn(state);
    const resetting = this.resetPending && state.cause !== 'reset';
    this.resetPending = resetting;
    const isolatedByOthers = this.othersIsolating(state).length > 0;
    this.applying = true;
    try {
      // Hold first, release last: a change under an isolation is one transition, not two.
      if (isolatedByOthers) this.followIsolation(state);
      if (!resetting) this.host.machine.adopt(baseOf(state), state.cause === 'reset');
      if (!isolatedByOthers) this.followIsolation(state);
      if (state.cause === 'reset') this.host.onFleetReset();
    } finally {
      this.applying = false;
    }
  }

  /** A new fleet state: reads started before are stale, and so is the probe lease (it was for a generation). */
  private learn(state: FleetCircuitState): void {
    this.known = state;
    this.epoch++;
  }

  private releaseFleetHold(): void {
    const hold = this.fleetHold;
    this.fleetHold = undefined;
    hold?.dispose();
  }

  /** Runs one request to the store; a coordinator that throws is treated as one that did not answer. */
  private async ask<T>(what: string, request: () => Promise<T | undefined>): Promise<T | undefined> {
    try {
      return await request();
    } catch (error) {
      diag.debug(`agent-resilience: shared breaker ${what} failed; using local state`, error);
      return undefined;
    }
  }

  /**
   * Stops reading and listening; the fleet's state stays in the store, without this replica's isolation (once
   * gone, nobody could release it) and without its probe lease: both best effort (a lost race or a store away
   * leaves the lease to expire, the isolation to an operator).
   */
  dispose(): void {
    if (this.disposed) return;
    this.ownHolds = 0;
    const leaving = this.known?.isolatedBy.includes(this.circuit.replicaId) ? this.proposal() : undefined;
    if (leaving !== undefined) void this.ask('publish', () => this.circuit.propose(this.generation, leaving));
    this.disposed = true;
    this.lease.stop();
    clearInterval(this.timer);
    this.circuit.dispose();
  }
}
