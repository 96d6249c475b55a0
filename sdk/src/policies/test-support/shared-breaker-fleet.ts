import { httpError } from '../../test-support/errors.js';
import type { CircuitBreaker } from '../circuit-breaker.js';
import { createCircuitBreaker, type SharedCircuitBreakerOptions } from '../create-circuit-breaker.js';
import type {
  CircuitBreakerCoordinator,
  FleetCircuitEvents,
  FleetCircuitState,
  FleetProbeAnswer,
  FleetProposalAnswer,
  SharedCircuit,
} from '../shared-breaker.js';

interface Member {
  readonly id: string;
  readonly events: FleetCircuitEvents;
}

/**
 * An in-memory fleet store for one breaker name with the semantics of the Redis one (compare-and-set on the
 * generation, a probe lease per generation, announcements to the other replicas a microtask later), to test the
 * breaker side with fake timers. `down` makes every request answer `undefined`, as an unreachable store does.
 */
export class FakeFleetStore {
  stored: FleetCircuitState | null = null;
  lease: { holder: string; until: number } | undefined;
  /** Every request answers `undefined` (store unreachable). */
  down = false;
  /** Announcements are lost (a dropped pub/sub connection): only reads heal. */
  dropAnnouncements = false;
  readonly requests = { read: 0, propose: 0, probe: 0 };
  private readonly members = new Set<Member>();

  /** The coordinator of replica `id` (every breaker name shares this store). */
  coordinator(id: string): CircuitBreakerCoordinator {
    return { circuitBreaker: (_name, events) => this.join({ id, events }) };
  }

  /** The coordinator of replica `id` over one store per breaker name. */
  static coordinator(
    id: string,
    stores: Readonly<Record<string, FakeFleetStore>>,
  ): CircuitBreakerCoordinator {
    return {
      circuitBreaker: (name, events) => {
        const store = stores[name];
        if (store === undefined) throw new Error(`no fake store for breaker ${name}`);
        return store.join({ id, events });
      },
    };
  }

  /** Replicas listening now. */
  get listeners(): number {
    return this.members.size;
  }

  /** Announces `state` to every replica, as a (possibly stale) message would. */
  announce(state: FleetCircuitState, except?: Member): void {
    if (this.dropAnnouncements) return;
    for (const member of [...this.members]) {
      if (member !== except) queueMicrotask(() => member.events.announced(state));
    }
  }

  /** The store answers again: every replica hears it. */
  reconnect(): void {
    this.down = false;
    for (const member of [...this.members]) member.events.reconnected();
  }

  private join(member: Member): SharedCircuit {
    this.members.add(member);
    return {
      replicaId: member.id,
      read: async () => {
        this.requests.read++;
        return this.down ? undefined : this.stored;
      },
      propose: async (expected, change): Promise<FleetProposalAnswer | undefined> => {
        this.requests.propose++;
        if (this.down) return undefined;
        if (this.stored !== null && this.stored.generation > expected) {
          return { accepted: false, state: this.stored };
        }
        const state = { ...change, generation: expected + 1 };
        this.stored = state;
        this.lease = undefined;
        this.announce(state, member);
        return { accepted: true, state };
      },
      probe: async (generation, leaseMs): Promise<FleetProbeAnswer | undefined> => {
        this.requests.probe++;
        if (this.down) return undefined;
        if ((this.stored?.generation ?? 0) !== generation) return { lease: 'moved', state: this.stored };
        const now = Date.now();
        const lease = this.lease;
        if (lease === undefined || lease.until <= now || lease.holder === member.id) {
          this.lease = { holder: member.id, until: now + leaseMs };
          return { lease: 'granted', forMs: leaseMs };
        }
        return { lease: 'denied', forMs: lease.until - now };
      },
      dispose: () => {
        this.members.delete(member);
      },
    };
  }
}

/** Lets announcements, proposals and their answers settle (each a few microtasks; bounded). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

export const HALF_OPEN_AFTER_MS = 1_000;
export const PROBE_TIMEOUT_MS = 5_000;

/** A downstream that always fails with a 503 (a counted failure). */
export const failing = async (): Promise<never> => {
  throw httpError(503);
};

/** Replicas of the breaker `provider` on one fake store, each with its own coordinator; disposed together. */
export class FakeReplicas {
  readonly store = new FakeFleetStore();
  private readonly created: CircuitBreaker[] = [];

  /** Replica `id`'s breaker: opens after 2 consecutive failures, probes after 1 s, leases 5 s. */
  replica(id: string, options: SharedCircuitBreakerOptions = {}): CircuitBreaker {
    return this.track(
      createCircuitBreaker('provider', {
        registry: null,
        shared: this.store.coordinator(id),
        breaker: { kind: 'consecutive', threshold: 2 },
        halfOpenAfterMs: HALF_OPEN_AFTER_MS,
        probeTimeoutMs: PROBE_TIMEOUT_MS,
        ...options,
      }),
    );
  }

  /** Disposes `breaker` with the replicas. */
  track(breaker: CircuitBreaker): CircuitBreaker {
    this.created.push(breaker);
    return breaker;
  }

  dispose(): void {
    for (const breaker of this.created.splice(0).reverse()) breaker.dispose();
  }
}

/** Fails two calls through `breaker` (enough to open a replica's breaker) and lets the fleet hear it. */
export async function failTwice(breaker: CircuitBreaker | undefined): Promise<void> {
  for (let i = 0; i < 2; i++) await breaker?.execute(failing).catch(() => undefined);
  await settle();
}
