/**
 * The port a fleet coordinator implements for `createCircuitBreaker(name, { shared })` (the Redis one is
 * `createRedisCoordinator()` of `agent-resilience/redis`). The breaker keeps its own state machine and runs on it
 * alone whenever the coordinator answers `undefined` (store down, slow or answering with a value not trusted).
 */

/** Why the fleet's state last changed (for the breaker applying it, and for whoever reads the store). */
export type FleetCircuitCause = 'outcome' | 'reset' | 'isolation' | 'resync';

/** Every {@link FleetCircuitCause}. */
export const FLEET_CIRCUIT_CAUSES: readonly FleetCircuitCause[] = Object.freeze([
  'outcome',
  'reset',
  'isolation',
  'resync',
]);

/** The base state a fleet shares: closed, or open since `openedAt` after `openings` consecutive openings. */
export type FleetBase =
  | { readonly state: 'closed' }
  | { readonly state: 'open'; readonly openedAt: number; readonly openings: number };

/** The fleet's state of one breaker, without its generation: what a replica proposes. */
export interface FleetCircuitChange {
  /** `closed`, or `open` since `openedAt` (half-open is never shared: one replica probes, the others stay open). */
  readonly state: 'closed' | 'open';
  /**
   * The replicas (their `replicaId`s) that hold it isolated (`isolate()`): while any does, every replica
   * is held open. Each replica adds and removes only itself.
   */
  readonly isolatedBy: readonly string[];
  /** `Date.now()` (of the replica that opened it) when the circuit opened; 0 when closed. */
  readonly openedAt: number;
  /** Consecutive openings (drives a growing half-open backoff); 0 when closed. */
  readonly openings: number;
  readonly cause: FleetCircuitCause;
}

/** The fleet's state of one breaker as stored: a change with its generation. */
export interface FleetCircuitState extends FleetCircuitChange {
  /** Incremented by every accepted change; a replica ignores a state whose generation is not above its own. */
  readonly generation: number;
}

/** The answer to a proposal. */
export interface FleetProposalAnswer {
  /** Whether the change was stored (the fleet was not past the generation expected). */
  readonly accepted: boolean;
  /** The change as stored (accepted), or the fleet's newer state (not accepted; `null`: none stored). */
  readonly state: FleetCircuitState | null;
}

/** The answer to a probe-lease request. */
export type FleetProbeAnswer =
  /** This replica holds the fleet's probe lease for `forMs` (granted), or another one does (denied). */
  | { readonly lease: 'granted' | 'denied'; readonly forMs: number }
  /** The fleet is not at the generation asked about: its state now (`null`: none stored). */
  | { readonly lease: 'moved'; readonly state: FleetCircuitState | null };

/** What a coordinator tells one shared breaker. */
export interface FleetCircuitEvents {
  /** Another replica announced a state (validated; possibly older than what the breaker knows). */
  announced(state: FleetCircuitState): void;
  /** The store answers again after an outage: the breaker resyncs. */
  reconnected(): void;
}

/**
 * The fleet's state of one breaker in a store. Every method answers `undefined` when the store did not answer
 * within the coordinator's timeout (or answered with a value not trusted, which the coordinator counts); none
 * rejects.
 */
export interface SharedCircuit {
  /** This replica's id in `isolatedBy`, unique per breaker (two breakers of one name are two replicas). */
  readonly replicaId: string;
  /** The stored state (`null`: none). */
  read(): Promise<FleetCircuitState | null | undefined>;
  /**
   * Stores `change` as generation `expected + 1` unless the store is past `expected` (a compare-and-set: the
   * store behind `expected`, e.g. emptied by a restart, takes it too), announces it to the other replicas and
   * frees the probe lease.
   */
  propose(expected: number, change: FleetCircuitChange): Promise<FleetProposalAnswer | undefined>;
  /** Asks for the fleet's probe lease of generation `generation`, held for `leaseMs` unless freed earlier. */
  probe(generation: number, leaseMs: number): Promise<FleetProbeAnswer | undefined>;
  /** Stops listening (announcements and reconnections); the store's state stays. */
  dispose(): void;
}

/** A fleet coordinator, as `createCircuitBreaker(name, { shared })` takes it. */
export interface CircuitBreakerCoordinator {
  /** The fleet's state of breaker `name`; `events` hears announcements and reconnections until disposed. */
  circuitBreaker(name: string, events: FleetCircuitEvents): SharedCircuit;
}
