/**
 * Option schemas (see `option-arbitraries.ts`) of the load-shedding and classification factories, written from
 * their documentation: the constraint each option has, and values that break it.
 */
import fc from 'fast-check';
import { ErrorAggregator } from '../classify/error-aggregator.js';
import { PolicyRegistry } from '../core/registry.js';
import { ERROR_CATEGORIES } from '../semconv.js';
import {
  bool,
  categories,
  delay,
  func,
  type Group,
  group,
  instanceOrNull,
  leaf,
  num,
  oneOf,
  required,
  WRONG_TYPES,
} from './option-arbitraries.js';

/** `registry` of the factories that join one. */
export const registry = () => instanceOrNull(() => new PolicyRegistry());

/** A monotonic clock. */
const clock = () => func(fc.double({ min: 0, max: 1e12, noNaN: true }));

/**
 * `shared` of a strategy that a fleet coordinator can share: valid is `port` (a fake of what
 * `createRedisCoordinator()` has, its store never answering); anything else is refused.
 */
const sharedPort = (port: Record<string, unknown>) =>
  leaf(
    fc.constant(port),
    fc.oneof(fc.constant({}), fc.string(), fc.integer(), fc.constant({ [Object.keys(port)[0] ?? 'x']: 1 })),
  );

/** `shared` of `createRateLimiter`. */
export const sharedRateLimit = () => sharedPort({ rateLimit: () => ({ acquire: async () => undefined }) });

/** `shared` of `createRetryBudget` (sliding window). */
const sharedRetryBudget = () =>
  sharedPort({
    retryBudget: () => ({ exchange: async () => undefined, onReconnect: () => () => {}, dispose: () => {} }),
  });

export const rateLimiterFields = {
  kind: oneOf('token_bucket', 'sliding_window'),
  limit: required(num({ min: 1, max: 1_000_000, integer: true })),
  intervalMs: delay(0),
  burst: num({ min: 1 }),
  maxKeys: num({ min: 1, max: 10_000_000, integer: true }),
  maxWaitMs: delay(),
  now: clock(),
};

/** A sliding window allows bursts of `limit`: it takes no `burst`. */
export const noBurstForWindows = (o: Record<string, unknown>) => {
  if (o.kind !== 'sliding_window') return o;
  const { burst: _, ...rest } = o;
  return rest;
};

const increasingShares = fc
  .uniqueArray(fc.double({ min: 0, max: 1, minExcluded: true, noNaN: true }), { minLength: 1, maxLength: 6 })
  .map(steps => [...steps].sort((a, b) => a - b));

const ramp = leaf(
  fc.oneof(
    fc.record(
      {
        kind: fc.constant('slow_start'),
        windowMs: delay(0).valid,
        aggression: num({ above: 0 }).valid,
        minWeightPercent: num({ above: 0, max: 100 }).valid,
      },
      { requiredKeys: ['kind'] },
    ),
    fc.record(
      {
        kind: fc.constant('steps'),
        steps: fc.oneof(fc.integer({ min: 1, max: 1000 }), increasingShares),
        stepMs: delay(0).valid,
      },
      { requiredKeys: ['kind'] },
    ),
  ),
  fc.constantFrom(
    null,
    'slow_start',
    {},
    { kind: 'linear' },
    { kind: 'slow_start', windowMs: 0 },
    { kind: 'slow_start', minWeightPercent: 101 },
    { kind: 'steps', steps: [] },
    { kind: 'steps', steps: [0.5, 0.25] },
    { kind: 'steps', steps: 0 },
    { kind: 'steps', stepMs: -1 },
    { kind: 'steps', windowMs: 1 },
  ),
);

/** Whatever the thresholds, a downstream fails only after it degraded. */
const failedAfterUnhealthy = (o: Record<string, unknown>) => {
  if (o.failedThreshold === undefined) return o;
  const unhealthy = (o.unhealthyThreshold as number | undefined) ?? 3;
  return { ...o, failedThreshold: Math.max(o.failedThreshold as number, unhealthy) };
};

export const recoveryFields = {
  healthCheck: func(fc.constant(true)),
  healthCheckIntervalMs: delay(0),
  healthCheckTimeoutMs: delay(0),
  unhealthyThreshold: num({ min: 1, integer: true }),
  failedThreshold: num({ min: 1, integer: true }),
  healthyThreshold: num({ min: 1, integer: true }),
  failureThreshold: num({ min: 1, integer: true }),
  successThreshold: num({ min: 1, integer: true }),
  degradedTrafficRatio: num({ above: 0, max: 1 }),
  ramp,
  failureCategories: categories(),
  circuitBreaker: leaf(fc.constant(undefined), WRONG_TYPES),
  classifier: func(),
  random: func(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })),
  now: clock(),
};
export const recoveryFix = failedAfterUnhealthy;

export const adaptiveRateLimiterFields = {
  beta: num({ above: 0, below: 1 }),
  scaleConstant: num({ above: 0 }),
  smooth: num({ above: 0, max: 1 }),
  minFillRate: num({ above: 0 }),
  minCapacity: num({ min: 1 }),
  throttlingCategories: categories(),
  maxWaitMs: delay(),
  now: clock(),
};

export const SLIDING_WINDOW_BUDGET: Group = group({
  kind: oneOf('sliding_window'),
  ratio: num({ above: 0, max: 1 }),
  minPerSecond: num({ min: 0 }),
  windowMs: delay(0),
  buckets: num({ min: 1, max: 1000, integer: true }),
  registry: registry(),
  now: clock(),
  shared: sharedRetryBudget(),
});

export const TOKEN_BUCKET_BUDGET: Group = group({
  kind: required(oneOf('token_bucket')),
  maxTokens: num({ above: 0, max: 1000 }),
  tokenRatio: num({ above: 0, max: 1 }),
  registry: registry(),
  now: clock(),
});

export const ADAPTIVE_RETRY: Group = group({
  maxAttempts: num({ min: 1, max: 1000, integer: true }),
  shrinkAfterFailures: num({ min: 1, integer: true }),
  growAfterSuccesses: num({ min: 1, integer: true }),
});

export const FEATURE_REGISTRY: Group = group({ registry: registry(), classifier: func(), now: clock() });

export const FEATURE: Group = group({
  fallback: required(leaf(fc.anything())),
  errorThreshold: num({ min: 1, integer: true }),
  windowMs: delay(0),
  cooldownMs: delay(0),
  countErrors: leaf(
    fc.oneof(categories().valid, func(fc.boolean()).valid),
    fc.constantFrom('server_error', ['server_eror'], 5, null, {}),
  ),
  rethrow: bool(),
  disabled: bool(),
});

export const ERROR_AGGREGATOR: Group = group({
  windowMs: num({ min: 1, max: 2 ** 31 - 1, integer: true }),
  bucketCount: num({ min: 1, max: 10_000, integer: true }),
  classifier: func(),
  now: clock(),
});

const action = fc.record(
  { onDetected: func().valid, onCleared: func().valid },
  { requiredKeys: ['onDetected'] },
);

const rule = fc.record(
  {
    category: fc.constantFrom(...ERROR_CATEGORIES),
    threshold: fc.oneof(
      fc.integer({ min: 1, max: 1_000 }),
      fc
        .record(
          { count: fc.integer({ min: 1, max: 1_000 }), rate: num({ above: 0, max: 1 }).valid },
          { requiredKeys: [] },
        )
        .filter(t => Object.keys(t).length > 0),
    ),
    actions: fc.array(action, { maxLength: 2 }),
    onDetected: func().valid,
    onCleared: func().valid,
  },
  { requiredKeys: ['category', 'threshold'] },
);

/** The arguments of `watchErrorPatterns(aggregator, rules, options)`, as one group. */
export const WATCH_ERROR_PATTERNS: Group = group({
  aggregator: required(
    leaf(
      fc.constant(0).map(() => new ErrorAggregator()),
      WRONG_TYPES,
    ),
  ),
  rules: required(
    leaf(
      fc.array(rule, { maxLength: 3 }),
      fc.constantFrom(
        'x',
        null,
        [null],
        [{ category: 'timeout' }],
        [{ category: 'timeout', threshold: 0 }],
        [{ category: 'timeout', threshold: {} }],
        [{ category: 'bogus', threshold: 1 }],
        [{ category: 'timeout', threshold: { rate: 1.5 } }],
        [{ category: 'timeout', threshold: 1, actions: 'x' }],
        [{ category: 'timeout', threshold: 1, actions: [null] }],
        [{ category: 'timeout', threshold: 1, actions: [{}] }],
        [{ category: 'timeout', threshold: 1, onDetected: 1 }],
      ),
    ),
  ),
  options: group({
    name: leaf(
      fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/),
      fc.constantFrom('', 'has space', 'x'.repeat(65), 5, null),
    ),
    pollIntervalMs: leaf(
      fc.oneof(fc.constant(null), delay(0).valid),
      delay(0).invalid?.filter(v => v !== null),
    ),
  }),
});
