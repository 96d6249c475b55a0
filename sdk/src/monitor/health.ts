import type { PolicyRegistry } from '../core/registry.js';
import type { CircuitStateName, RecoveryState } from '../semconv.js';

/** What `GET /health` reports. */
export interface HealthSummary {
  /** `unhealthy` when every breaker is open or a downstream failed; `degraded` when any is not closed/healthy. */
  readonly status: 'healthy' | 'degraded' | 'unhealthy';
  readonly circuitBreakers: {
    readonly total: number;
    readonly closed: number;
    readonly open: number;
    readonly halfOpen: number;
    readonly isolated: number;
    /** Share of breakers closed, in percent (100 with no breakers). */
    readonly healthPercentage: number;
    /** Names of breakers that are open or isolated. */
    readonly openCircuits: readonly string[];
  };
  /** State of each recovery manager, by name. */
  readonly recovery: Readonly<Record<string, RecoveryState>>;
  readonly timestamp: string;
}

/** Summarises the health of everything in `registry`. */
export function healthSummary(registry: PolicyRegistry, now: Date = new Date()): HealthSummary {
  const breakers = registry.list('circuitBreaker');
  const count = (state: CircuitStateName) => breakers.filter(b => b.state === state).length;
  const closed = count('closed');
  const open = count('open');
  const halfOpen = count('half_open');
  const isolated = count('isolated');
  const recovery = Object.fromEntries(registry.list('recovery').map(r => [r.name, r.state]));
  const states = Object.values(recovery);
  const unhealthy = (breakers.length > 0 && closed + halfOpen === 0) || states.includes('failed');
  const degraded = closed < breakers.length || states.some(s => s !== 'healthy');
  return {
    status: unhealthy ? 'unhealthy' : degraded ? 'degraded' : 'healthy',
    circuitBreakers: {
      total: breakers.length,
      closed,
      open,
      halfOpen,
      isolated,
      healthPercentage: breakers.length === 0 ? 100 : Math.round((1000 * closed) / breakers.length) / 10,
      openCircuits: breakers.filter(b => b.state === 'open' || b.state === 'isolated').map(b => b.name),
    },
    recovery,
    timestamp: now.toISOString(),
  };
}
