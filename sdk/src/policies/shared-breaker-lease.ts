import type { CircuitStateMachine } from './circuit-state.js';
import type { FleetCircuitState, FleetProbeAnswer } from './shared-breaker.js';

/** What this replica knows of the fleet's probe lease for one generation. */
interface KnownLease {
  readonly generation: number;
  /** `held` by this replica, `denied` (another holds it), or `local`: the store did not answer, probe alone. */
  readonly kind: 'held' | 'denied' | 'local';
  readonly until: number;
}

/** What a probe lease needs of its breaker's link to the fleet. */
export interface LeaseFleet {
  /** The generation of the fleet's state known now: a lease is for one generation. */
  generation(): number;
  readonly machine: CircuitStateMachine;
  /** Asks the store for the lease; undefined when it did not answer. */
  request(generation: number, leaseMs: number): Promise<FleetProbeAnswer | undefined>;
  /** The store is at another generation than the one known: applies its state as read. */
  reconcile(state: FleetCircuitState | null): void;
}

/**
 * The fleet's probe lease as one replica sees it: a replica probes only while it holds the lease of the
 * generation it knows (or, when the store does not answer, on its own for `leaseMs`, as an unshared breaker
 * does); one denied keeps rejecting, as open, until the lease may end or the fleet moves to a new generation.
 */
export class FleetProbeLease {
  private lease: KnownLease | undefined;
  private asking: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly fleet: LeaseFleet,
    private readonly leaseMs: number,
    private readonly now: () => number,
  ) {}

  private current(): KnownLease | undefined {
    const lease = this.lease;
    if (lease === undefined || lease.generation !== this.fleet.generation() || this.now() >= lease.until)
      return undefined;
    return lease;
  }

  /** When the probe another replica runs may end (the lease it holds); undefined when none is known. */
  get blockedUntil(): number | undefined {
    const lease = this.current();
    return lease?.kind === 'denied' ? lease.until : undefined;
  }

  /** Whether this replica may probe now. */
  mayProbe(): boolean {
    const kind = this.current()?.kind;
    return kind === 'held' || kind === 'local';
  }

  /** Whether the next call must first ask for the lease (a probe is due; no lease is known; none asked). */
  needed(): boolean {
    return (
      !this.stopped &&
      this.asking === undefined &&
      this.fleet.machine.probeDue &&
      this.current() === undefined
    );
  }

  /** Asks the fleet for the lease (one request at a time; within the coordinator's timeout; never rejects). */
  ask(): Promise<void> {
    this.asking ??= this.request().finally(() => {
      this.asking = undefined;
    });
    return this.asking;
  }

  private async request(): Promise<void> {
    const generation = this.fleet.generation();
    const answer = await this.fleet.request(generation, this.leaseMs);
    // The fleet moved meanwhile (an announcement): the next call decides afresh.
    if (this.stopped || generation !== this.fleet.generation()) return;
    const local: KnownLease = { generation, kind: 'local', until: this.now() + this.leaseMs };
    if (answer === undefined) {
      this.lease = local;
    } else if (answer.lease === 'moved') {
      this.fleet.reconcile(answer.state);
      // Still at this generation: the store was behind (our state is being shared again); probe on it.
      if (generation === this.fleet.generation()) this.lease = local;
    } else {
      const kind = answer.lease === 'granted' ? 'held' : 'denied';
      this.lease = { generation, kind, until: this.now() + answer.forMs };
    }
  }

  /** Asks nothing more. */
  stop(): void {
    this.stopped = true;
  }
}
