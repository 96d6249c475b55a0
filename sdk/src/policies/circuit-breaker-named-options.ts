import { PolicyRegistry } from '../core/registry.js';
import type { OptionsValidator } from '../util/validate.js';
import type { CircuitBreakerCoordinator } from './shared-breaker.js';

/** The options only `createCircuitBreaker` takes (a named breaker, outside any one policy). */
export interface NamedCircuitBreakerOptions {
  /** Registry the breaker joins (the monitoring API lists it); `null` for none. @default defaultRegistry */
  readonly registry?: PolicyRegistry | null;
  /**
   * A fleet coordinator (`createRedisCoordinator()` of `agent-resilience/redis`): the breaker's state is shared by
   * every replica that creates a breaker of this name with it (opened on one, open on all; one probe at a time
   * across the fleet; `reset()`/`isolate()` reach every replica). The success path stays local.
   */
  readonly shared?: CircuitBreakerCoordinator;
  /**
   * With `shared`: how long one replica may hold the fleet's probe lease. Past it with no outcome shared (its
   * replica stopped, or the probe is slower), another replica may probe. Set it to your attempt timeout.
   * @default NAMED_CIRCUIT_BREAKER_DEFAULTS.probeTimeoutMs (30000)
   */
  readonly probeTimeoutMs?: number;
}

/** Defaults of {@link NamedCircuitBreakerOptions}. */
export const NAMED_CIRCUIT_BREAKER_DEFAULTS = Object.freeze({ probeTimeoutMs: 30_000 });

/** The option names only `createCircuitBreaker` takes. */
export const NAMED_KEYS = ['registry', 'shared', 'probeTimeoutMs'];

/** Validates the {@link NamedCircuitBreakerOptions} into `v`. */
export function checkNamedOptions(v: OptionsValidator, path: string, o: Record<string, unknown>): void {
  v.instance(`${path}.registry`, o.registry, PolicyRegistry, 'a PolicyRegistry', { nullable: true });
  const shared = o.shared as Partial<CircuitBreakerCoordinator> | null | undefined;
  if (shared !== undefined && typeof shared?.circuitBreaker !== 'function') {
    v.fail(`${path}.shared`, 'a fleet coordinator (createRedisCoordinator())', shared, true);
  }
  v.delay(`${path}.probeTimeoutMs`, o.probeTimeoutMs, { above: 0 });
  if (o.probeTimeoutMs !== undefined && shared === undefined) {
    v.fail(
      `${path}.probeTimeoutMs`,
      'given with shared (it is the lease of a fleet probe)',
      o.probeTimeoutMs,
    );
  }
}
