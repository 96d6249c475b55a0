/**
 * Option schemas (see `option-arbitraries.ts`) of `createPolicy`, `createCircuitBreaker` and `createAgent`,
 * written from their documentation: the constraint each option has, and values that break it.
 */
import fc from 'fast-check';
import {
  adaptiveRateLimiterFields,
  noBurstForWindows,
  rateLimiterFields,
  recoveryFields,
  recoveryFix,
  registry,
} from './load-option-specs.js';
import {
  bool,
  categories,
  delay,
  func,
  type Group,
  group,
  leaf,
  num,
  oneOf,
  required,
  validOf,
  WRONG_TYPES,
} from './option-arbitraries.js';

const backoffFields = {
  maxRetries: num({ min: 0, integer: true, allowInfinity: true }),
  initialDelayMs: delay(),
  maxDelayMs: delay(),
  multiplier: num({ min: 1 }),
  jitter: oneOf('full', 'equal', 'decorrelated', 'none'),
};

const gate = (method: string) =>
  leaf(
    fc.constant(0).map(() => ({
      name: 'gate',
      onCall() {},
      onAttemptResult() {},
      onCallResult() {},
      tryAcquireRetry: () => true,
      current: () => 1,
    })),
    fc.oneof(WRONG_TYPES, fc.constant({ [`${method}x`]: () => true })),
  );

export const retryFields = {
  ...backoffFields,
  maxRetryAfterMs: delay(),
  categories: group({
    rate_limited: group({ ...backoffFields, retryable: bool() }),
    timeout: group({ ...backoffFields, retryable: bool() }),
  }),
  shouldRetry: func(fc.boolean()),
  onRetry: func(),
  budget: gate('tryAcquireRetry'),
  limit: gate('current'),
};

const share = num({ above: 0, below: 1 }).valid;

const breaker = leaf(
  fc.oneof(
    fc.record(
      { kind: fc.constant('consecutive'), threshold: fc.integer({ min: 1, max: 1_000 }) },
      { requiredKeys: ['kind'] },
    ),
    fc.integer({ min: 1, max: 1_000 }).chain(size =>
      fc.record(
        {
          kind: fc.constant('count'),
          threshold: share,
          size: fc.constant(size),
          minimumCalls: fc.integer({ min: 1, max: size }),
        },
        { requiredKeys: ['kind', 'threshold', 'size'] },
      ),
    ),
    fc.record(
      {
        kind: fc.constant('sampling'),
        threshold: share,
        durationMs: num({ above: 0, max: 3_600_000 }).valid,
        minimumRps: num({ above: 0 }).valid,
      },
      { requiredKeys: ['kind', 'threshold', 'durationMs'] },
    ),
  ),
  fc.constantFrom(
    null,
    'consecutive',
    { threshold: 0.5 },
    { kind: 'ratio' },
    { kind: 'consecutive', threshold: 0 },
    { kind: 'consecutive', size: 3 },
    { kind: 'count', threshold: 0.5 },
    { kind: 'count', threshold: 1, size: 10 },
    { kind: 'count', threshold: 0.5, size: 100_001 },
    { kind: 'count', threshold: 0.5, size: 10, minimumCalls: 11 },
    { kind: 'sampling', threshold: 0.5 },
    { kind: 'sampling', threshold: 0.5, durationMs: 3_600_001 },
  ),
);

/** A backoff's cap is at least its initial delay (30 s by default). */
const capAtLeastInitial = (b: Record<string, unknown>) =>
  b.maxDelayMs === undefined
    ? b
    : {
        ...b,
        maxDelayMs: Math.max(b.maxDelayMs as number, (b.initialDelayMs as number | undefined) ?? 30_000),
      };

const halfOpenAfterMs = leaf(
  fc.oneof(
    delay().valid,
    validOf(
      group({ initialDelayMs: delay(), maxDelayMs: delay(), multiplier: num({ min: 1 }) }, capAtLeastInitial),
    ),
  ),
  fc.constantFrom(
    -1,
    null,
    '30s',
    [],
    { initialDelayMs: -1 },
    { maxDelayMs: 10 },
    { initialDelayMs: 100, maxDelayMs: 50 },
    { multiplier: 0.5 },
    { delayMs: 1 },
  ),
);

export const circuitBreakerFields = {
  breaker,
  halfOpenAfterMs,
  halfOpenSampling: group({ calls: num({ min: 1, integer: true }), threshold: num({ min: 0, below: 1 }) }),
  failureCategories: categories(),
  initialState: leaf(
    fc.constantFrom({ state: 'closed' }, { state: 'open', openedAt: 0, openings: 1 }),
    fc.constantFrom(
      5,
      null,
      {},
      { state: 'half_open' },
      { state: 'open', openings: 0 },
      { state: 'closed', x: 1 },
    ),
  ),
  classifier: func(),
  parent: leaf(fc.constant(undefined), WRONG_TYPES),
  isolateChildren: bool(),
};

const when = fc.oneof(categories().valid, func(fc.boolean()).valid);
const oneFallback = fc.oneof(
  fc.record({ value: fc.anything(), when }, { requiredKeys: ['value'] }),
  fc.record({ factory: func().valid, when }, { requiredKeys: ['factory'] }),
  fc.record(
    {
      cache: fc.record(
        { ttlMs: delay(0).valid, maxEntries: fc.integer({ min: 1, max: 10_000 }) },
        { requiredKeys: [] },
      ),
      when,
    },
    { requiredKeys: ['cache'] },
  ),
);

const fallback = leaf(
  fc.oneof(oneFallback, fc.array(oneFallback, { maxLength: 3 })),
  fc.constantFrom(
    null,
    'sorry',
    {},
    { value: 1, factory: () => 1 },
    { factory: 'x' },
    { value: 1, when: 'timeout' },
    { value: 1, when: ['bogus'] },
    { cache: { ttlMs: 0 } },
    { cache: null },
    [null],
    [{ value: 1 }, {}],
  ),
);

export const policyFields = {
  classifier: func(),
  retry: group(retryFields),
  circuitBreaker: group(circuitBreakerFields),
  attemptTimeoutMs: delay(0),
  totalTimeoutMs: delay(0),
  bulkhead: group({
    maxConcurrent: required(num({ min: 1, integer: true })),
    maxQueue: num({ min: 0, integer: true, allowInfinity: true }),
  }),
  fallback,
  registry: registry(),
  attemptSpans: oneOf('retries', 'always'),
  rateLimiter: group(rateLimiterFields, noBurstForWindows),
  recovery: group(recoveryFields, recoveryFix),
  adaptiveRateLimiter: group(adaptiveRateLimiterFields),
  hedging: group({
    maxHedgedAttempts: num({ min: 1, max: 10, integer: true }),
    delayMs: delay(),
    delay: group({
      percentile: num({ above: 0, below: 1 }),
      windowMs: num({ min: 1000, max: 2 ** 31 - 1 }),
      minSamples: num({ min: 1, max: 10_000, integer: true }),
    }),
    replaySafe: bool(),
  }),
};

export const POLICY: Group = group(policyFields);

const { registry: _r, classifier: _c, ...helperFields } = policyFields;
const { retry: _retry, fallback: _f, ...runFields } = helperFields;

const runRetry = leaf(
  fc.oneof(
    fc.constant(false),
    validOf(
      group({
        maxRetries: num({ min: 0, max: 10, integer: true }),
        initialDelayMs: delay(),
        retryOn: categories(),
        shouldRetry: func(fc.boolean()),
        budget: gate('tryAcquireRetry'),
      }),
    ),
  ),
  fc.constantFrom(
    true,
    null,
    'always',
    { maxRetries: -1 },
    { retryOn: 'timeout' },
    { retryOn: ['bogus'] },
    { onRetry: () => {} },
    { categories: { timeout: { retryable: true } } },
    { shouldRetry: true },
  ),
);

export const AGENT: Group = group({
  provider: leaf(fc.string({ minLength: 1, maxLength: 10 }), fc.constantFrom('', 5, null)),
  retry: runRetry,
  run: group(runFields),
  tools: group(helperFields),
  models: group(helperFields),
  classifier: func(),
  registry: registry(),
});

const runId = leaf(
  fc.string({ minLength: 1, maxLength: 256 }),
  fc.constantFrom('', 'x'.repeat(257), 5, null),
);

export const AGENT_RUN: Group = group({
  signal: leaf(
    fc.constant(0).map(() => new AbortController().signal),
    WRONG_TYPES,
  ),
  threadId: runId,
  conversationId: runId,
  onRetrying: func(),
  beforeRetry: func(),
  onFailed: func(),
});

/** `createCircuitBreaker` takes a breaker's options and `registry`. */
/** A fleet coordinator's breaker port whose store never answers (the breaker runs on its local state). */
const sharedCircuitBreaker = () =>
  leaf(
    fc.constant({
      circuitBreaker: () => ({
        replicaId: 'replica',
        read: async () => undefined,
        propose: async () => undefined,
        probe: async () => undefined,
        dispose: () => {},
      }),
    }),
    fc.oneof(fc.constant({}), fc.string(), fc.integer(), fc.constant({ circuitBreaker: 1 })),
  );

/** `probeTimeoutMs` is an option of a shared breaker only. */
const probeTimeoutNeedsShared = (o: Record<string, unknown>) => {
  if (o.shared !== undefined || o.probeTimeoutMs === undefined) return o;
  const { probeTimeoutMs: _, ...rest } = o;
  return rest;
};

export const CIRCUIT_BREAKER: Group = group(
  {
    ...circuitBreakerFields,
    registry: registry(),
    shared: sharedCircuitBreaker(),
    probeTimeoutMs: delay(0),
  },
  probeTimeoutNeedsShared,
);
