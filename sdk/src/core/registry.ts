import type { CircuitStateName, RecoveryState } from '../semconv.js';

/** Anything registered by name. */
interface Named {
  readonly name: string;
}

/** A shared strategy that reports its state as a JSON-serialisable snapshot. */
export interface Snapshotting extends Named {
  snapshot(): object;
}

/** What a registry needs of a circuit breaker (the policies' `CircuitBreaker` is one). */
export interface RegisteredCircuitBreaker extends Snapshotting {
  readonly state: CircuitStateName;
  /** Closes the circuit and forgets its failure history; isolation holds survive. */
  reset(): void;
}

/** The kinds of objects a registry tracks, as the monitoring API and dashboards see them. */
export interface RegistryKinds {
  policy: Named;
  circuitBreaker: RegisteredCircuitBreaker;
  retryBudget: Snapshotting;
  recovery: Snapshotting & { readonly state: RecoveryState };
  rateLimiter: Snapshotting;
  /** A degradable feature of a feature registry (`createFeatureRegistry`). */
  feature: Snapshotting & { readonly enabled: boolean };
}

/**
 * Named policies and shared strategies (circuit breakers, retry budgets, recovery managers, rate limiters,
 * degradable features) of an application, read by the monitoring API. Names are unique per kind; registering a
 * second object under a taken name throws, so two policies never report under one name.
 */
export class PolicyRegistry {
  private readonly entries = new Map<keyof RegistryKinds, Map<string, Named>>();

  /** Registers `value` under its name; returns a function that unregisters it. */
  register<K extends keyof RegistryKinds>(kind: K, value: RegistryKinds[K]): () => void {
    let byName = this.entries.get(kind);
    if (byName === undefined) {
      byName = new Map();
      this.entries.set(kind, byName);
    }
    const existing = byName.get(value.name);
    if (existing !== undefined && existing !== value) {
      throw new RangeError(
        `A ${kind} named "${value.name}" is already registered; dispose() it first, use another name, or pass registry: null`,
      );
    }
    byName.set(value.name, value);
    return () => {
      if (byName.get(value.name) === value) byName.delete(value.name);
    };
  }

  /** The object of `kind` registered as `name`. */
  get<K extends keyof RegistryKinds>(kind: K, name: string): RegistryKinds[K] | undefined {
    return this.entries.get(kind)?.get(name) as RegistryKinds[K] | undefined;
  }

  /** All objects of `kind`, sorted by name. */
  list<K extends keyof RegistryKinds>(kind: K): RegistryKinds[K][] {
    const values = [...(this.entries.get(kind)?.values() ?? [])] as RegistryKinds[K][];
    return values.sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** The process-wide registry policies join unless given another (or `null`). */
export const defaultRegistry = new PolicyRegistry();

/**
 * Registers `value` in `registry` (`undefined` means {@link defaultRegistry}, `null` none). Returns the function
 * that unregisters it.
 */
export function joinRegistry<K extends keyof RegistryKinds>(
  registry: PolicyRegistry | null | undefined,
  kind: K,
  value: RegistryKinds[K],
): () => void {
  const target = registry === undefined ? defaultRegistry : registry;
  return target === null ? () => {} : target.register(kind, value);
}

/**
 * Registers a standalone object built by a `create*` factory and unregisters it when it is disposed. When the
 * registry refuses it (a duplicate name), the object is disposed (its gauges stop) before the error is rethrown.
 */
export function registerUntilDisposed<K extends keyof RegistryKinds>(
  registry: PolicyRegistry | null | undefined,
  kind: K,
  value: RegistryKinds[K] & { onDispose(cleanup: () => void): void; dispose(): void },
): void {
  try {
    value.onDispose(joinRegistry(registry, kind, value));
  } catch (error) {
    value.dispose();
    throw error;
  }
}
