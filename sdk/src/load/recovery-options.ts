import type { Classifier } from '../classify/types.js';
import { PolicyRegistry } from '../core/registry.js';
import type { CircuitBreaker } from '../policies/circuit-breaker.js';
import { DEFAULT_FAILURE_CATEGORIES } from '../policies/circuit-breaker-options.js';
import { ERROR_CATEGORIES, type ErrorCategory } from '../semconv.js';
import type { OptionsValidator } from '../util/validate.js';
import type { HealthCheck } from './health-checker.js';
import type { Clock } from './internal.js';
import { checkRampOptions, type RampOptions } from './traffic-ramp.js';

/**
 * Recovery-manager settings. States and what moves them (defaults in brackets):
 * - healthy → degraded: [3] consecutive failed health checks, [5] consecutive failed attempts, or the followed
 *   circuit breaker opening;
 * - degraded → failed: [10] consecutive failed health checks (everything is shed until checks pass again);
 * - degraded | failed → recovering: [3] consecutive passing checks; from degraded also [3] consecutive
 *   successful attempts or the followed breaker closing after it was open;
 * - recovering → healthy: when the ramp completes; recovering → degraded: any failed attempt or check.
 */
export interface RecoveryOptions {
  /** Async health check of the downstream; resolve `true` (or nothing) when healthy. Absent: outcomes only. */
  readonly healthCheck?: HealthCheck;
  /** Time between health checks, in ms (the first runs one interval after creation). @default 10000 */
  readonly healthCheckIntervalMs?: number;
  /** Bound on each health check, in ms: its signal aborts and it counts as failed. @default 5000 */
  readonly healthCheckTimeoutMs?: number;
  /** Consecutive failed checks that make a healthy (or recovering) downstream degraded. @default 3 */
  readonly unhealthyThreshold?: number;
  /** Consecutive failed checks that make it failed (no traffic at all). @default 10 */
  readonly failedThreshold?: number;
  /** Consecutive passing checks that start the recovery of a degraded or failed downstream. @default 3 */
  readonly healthyThreshold?: number;
  /** Consecutive failed attempts (of `failureCategories`) that make a healthy downstream degraded. @default 5 */
  readonly failureThreshold?: number;
  /** Consecutive successful attempts that start the recovery of a degraded downstream. @default 3 */
  readonly successThreshold?: number;
  /** Share of calls admitted while degraded, in (0, 1] (lower it to shed load early). @default 1 */
  readonly degradedTrafficRatio?: number;
  /** How traffic comes back while recovering. @default { kind: 'slow_start', windowMs: 30000, aggression: 1, minWeightPercent: 10 } */
  readonly ramp?: RampOptions;
  /** Attempt errors that count as failures; others neither hurt nor help. @default DEFAULT_FAILURE_CATEGORIES */
  readonly failureCategories?: readonly ErrorCategory[];
  /**
   * A circuit breaker to follow: opening degrades, closing after an open period starts the recovery ramp. An
   * inline `recovery` of `createPolicy` follows the policy's breaker unless this is given.
   */
  readonly circuitBreaker?: CircuitBreaker;
  /** Classifies errors of standalone `execute()` calls (a pipeline uses its own). @default classifyError */
  readonly classifier?: Classifier;
  /** Random source in [0, 1) for admission (inject a seeded one in tests). @default Math.random */
  readonly random?: () => number;
  /** Monotonic clock in ms for the ramp (inject a fake one in tests). @default () => performance.now() */
  readonly now?: Clock;
}

/** Options of `createRecoveryManager`. */
export interface SharedRecoveryOptions extends RecoveryOptions {
  /** Registry the manager joins (the monitoring API lists it); `null` for none. @default defaultRegistry */
  readonly registry?: PolicyRegistry | null;
}

/** Defaults of {@link RecoveryOptions}. */
export const RECOVERY_DEFAULTS = Object.freeze({
  healthCheckIntervalMs: 10_000,
  healthCheckTimeoutMs: 5_000,
  unhealthyThreshold: 3,
  failedThreshold: 10,
  healthyThreshold: 3,
  failureThreshold: 5,
  successThreshold: 3,
  degradedTrafficRatio: 1,
  failureCategories: DEFAULT_FAILURE_CATEGORIES,
});

const KEYS = [
  'healthCheck',
  'healthCheckIntervalMs',
  'healthCheckTimeoutMs',
  'unhealthyThreshold',
  'failedThreshold',
  'healthyThreshold',
  'failureThreshold',
  'successThreshold',
  'degradedTrafficRatio',
  'ramp',
  'failureCategories',
  'circuitBreaker',
  'classifier',
  'random',
  'now',
];

/** Validates recovery options into `v` (`shared` also allows `registry`). */
export function checkRecoveryOptions(
  v: OptionsValidator,
  path: string,
  options: unknown,
  shared = false,
): void {
  const o = v.object(path, options, shared ? [...KEYS, 'registry'] : KEYS);
  const p = path === '' ? '' : `${path}.`;
  if (shared) v.instance(`${p}registry`, o.registry, PolicyRegistry, 'a PolicyRegistry', { nullable: true });
  v.func(`${p}healthCheck`, o.healthCheck);
  v.delay(`${p}healthCheckIntervalMs`, o.healthCheckIntervalMs, { above: 0 });
  v.delay(`${p}healthCheckTimeoutMs`, o.healthCheckTimeoutMs, { above: 0 });
  for (const key of ['unhealthyThreshold', 'healthyThreshold', 'failureThreshold', 'successThreshold']) {
    v.number(`${p}${key}`, o[key], { min: 1, integer: true });
  }
  const unhealthy = (o.unhealthyThreshold as number | undefined) ?? RECOVERY_DEFAULTS.unhealthyThreshold;
  v.number(`${p}failedThreshold`, o.failedThreshold, {
    min: Number.isInteger(unhealthy) ? unhealthy : 1,
    integer: true,
  });
  v.number(`${p}degradedTrafficRatio`, o.degradedTrafficRatio, { above: 0, max: 1 });
  checkRampOptions(v, `${p}ramp`, o.ramp);
  const categories = o.failureCategories;
  if (categories !== undefined) {
    if (!Array.isArray(categories)) {
      v.fail(`${p}failureCategories`, 'an array of error categories', categories, true);
    } else {
      for (const [i, c] of categories.entries()) v.oneOf(`${p}failureCategories[${i}]`, c, ERROR_CATEGORIES);
    }
  }
  const breaker = o.circuitBreaker as { onTransition?: unknown } | undefined;
  if (breaker !== undefined && typeof breaker?.onTransition !== 'function') {
    v.fail(`${p}circuitBreaker`, 'a CircuitBreaker', breaker, true);
  }
  v.func(`${p}classifier`, o.classifier);
  v.func(`${p}random`, o.random);
  v.func(`${p}now`, o.now);
}
