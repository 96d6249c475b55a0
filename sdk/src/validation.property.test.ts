/**
 * Issue 8 §2.6 as properties, over every public factory of the root entry (the agent's are in
 * `agent/agent-options.property.test.ts`): any invalid option is refused at
 * construction with a TypeError or RangeError naming it; any valid options construct; nothing else is ever
 * thrown, whatever the options (anything at all, or valid options with one of them replaced by anything).
 * fast-check reports the seed and the shrunk counterexample of a failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBatchRetryManager, createFileBatchStore, createMemoryBatchStore } from './batch/index.js';
import { createClassifier } from './classify/classifier.js';
import { ErrorAggregator } from './classify/error-aggregator.js';
import { createAdaptiveRateLimiter } from './load/adaptive-rate-limiter.js';
import { createAdaptiveRetryLimit } from './load/adaptive-retry.js';
import { createRecoveryManager } from './load/create-recovery-manager.js';
import { watchErrorPatterns } from './load/error-patterns.js';
import { createFeatureRegistry } from './load/feature-registry.js';
import { createRateLimiter } from './load/rate-limiter.js';
import { createRetryBudget } from './load/retry-budget.js';
import { createMonitorHandler } from './monitor/monitor-handler.js';
import { createPolicy } from './pipeline/create-policy.js';
import { createCircuitBreaker } from './policies/create-circuit-breaker.js';
import {
  ADAPTIVE_RETRY,
  adaptiveRateLimiterFields,
  ERROR_AGGREGATOR,
  FEATURE,
  FEATURE_REGISTRY,
  noBurstForWindows,
  rateLimiterFields,
  recoveryFields,
  recoveryFix,
  registry,
  SLIDING_WINDOW_BUDGET,
  sharedRateLimit,
  TOKEN_BUCKET_BUDGET,
  WATCH_ERROR_PATTERNS,
} from './test-support/load-option-specs.js';
import {
  construct,
  expectConstructedOrRefused,
  expectRefusal,
  type Group,
  group,
  oneAnything,
  oneInvalid,
  optionCount,
  validOf,
} from './test-support/option-arbitraries.js';
import { CIRCUIT_BREAKER, POLICY } from './test-support/policy-option-specs.js';

/** Runs per property (the whole file takes a few seconds). */
const RUNS = { numRuns: 150 };
/** Runs of a property that replaces one option: enough to replace each option of `spec` several times. */
const runsFor = (spec: Group) => ({ numRuns: Math.max(RUNS.numRuns, 6 * optionCount(spec)) });

type Options = Record<string, unknown>;

interface Factory {
  readonly name: string;
  readonly spec: Group;
  readonly make: (options: Options) => unknown;
}

function defineFeature(options: Options) {
  const features = createFeatureRegistry({ registry: null });
  try {
    return features.define('f', options as never);
  } finally {
    features.dispose();
  }
}

const FACTORIES: readonly Factory[] = [
  { name: 'createPolicy', spec: POLICY, make: o => createPolicy('p', o as never) },
  { name: 'createCircuitBreaker', spec: CIRCUIT_BREAKER, make: o => createCircuitBreaker('b', o as never) },
  {
    name: 'createRetryBudget (sliding window)',
    spec: SLIDING_WINDOW_BUDGET,
    make: o => createRetryBudget('b', o),
  },
  {
    name: 'createRetryBudget (token bucket)',
    spec: TOKEN_BUCKET_BUDGET,
    make: o => createRetryBudget('b', o),
  },
  {
    name: 'createRateLimiter',
    spec: group({ ...rateLimiterFields, registry: registry(), shared: sharedRateLimit() }, noBurstForWindows),
    make: o => createRateLimiter('l', o as never),
  },
  {
    name: 'createRecoveryManager',
    spec: group({ ...recoveryFields, registry: registry() }, recoveryFix),
    make: o => createRecoveryManager('r', o as never),
  },
  {
    name: 'createAdaptiveRateLimiter',
    spec: group(adaptiveRateLimiterFields),
    make: o => createAdaptiveRateLimiter('a', o as never),
  },
  { name: 'createAdaptiveRetryLimit', spec: ADAPTIVE_RETRY, make: o => createAdaptiveRetryLimit('a', o) },
  { name: 'createFeatureRegistry', spec: FEATURE_REGISTRY, make: o => createFeatureRegistry(o as never) },
  { name: 'FeatureRegistry.define', spec: FEATURE, make: defineFeature },
  { name: 'ErrorAggregator', spec: ERROR_AGGREGATOR, make: o => new ErrorAggregator(o as never) },
  {
    name: 'watchErrorPatterns',
    spec: WATCH_ERROR_PATTERNS,
    make: o => watchErrorPatterns(o?.aggregator as never, o?.rules as never, o?.options as never),
  },
];

describe.each(FACTORIES)('$name options', ({ spec, make }) => {
  it('constructs with any valid options', () => {
    fc.assert(
      fc.property(validOf(spec), options => {
        expect(construct(() => make(options as Options))).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('refuses any invalid option with a TypeError or RangeError naming it', () => {
    fc.assert(
      fc.property(oneInvalid(spec), ({ options, path }) => {
        expectRefusal(
          construct(() => make(options)),
          path,
        );
      }),
      runsFor(spec),
    );
  });

  it('constructs or refuses (never crashes) when one option is anything', () => {
    fc.assert(
      fc.property(oneAnything(spec), ({ options }) => {
        expectConstructedOrRefused(construct(() => make(options)));
      }),
      runsFor(spec),
    );
  });
});

const NAMED: ReadonlyArray<readonly [string, (name: never) => unknown]> = [
  ['createPolicy', name => createPolicy(name, { registry: null })],
  ['createCircuitBreaker', name => createCircuitBreaker(name, { registry: null })],
  ['createRetryBudget', name => createRetryBudget(name, { registry: null })],
  ['createRateLimiter', name => createRateLimiter(name, { limit: 1, registry: null })],
  ['createRecoveryManager', name => createRecoveryManager(name, { registry: null })],
  ['createAdaptiveRateLimiter', name => createAdaptiveRateLimiter(name)],
  ['createAdaptiveRetryLimit', name => createAdaptiveRetryLimit(name)],
];

describe.each(NAMED)('%s arguments', (_, make) => {
  it('constructs or refuses (never crashes) whatever the name', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string({ maxLength: 70 })), name => {
        expectConstructedOrRefused(construct(() => make(name as never)));
      }),
      RUNS,
    );
  });
});

describe.each(FACTORIES)('$name with anything as options', ({ make }) => {
  it('constructs or refuses (never crashes)', () => {
    fc.assert(
      fc.property(fc.anything(), options => {
        expectConstructedOrRefused(construct(() => make(options as Options)));
      }),
      RUNS,
    );
  });
});

/** Factories of other areas, called only (their options are theirs): nothing but a refusal is ever thrown. */
describe('other factories with anything as options', () => {
  it.each([
    ['createClassifier', (o: unknown) => createClassifier(o as never)],
    ['createMonitorHandler', (o: unknown) => createMonitorHandler(o as never)],
    ['createFileBatchStore', (o: unknown) => createFileBatchStore(o as never)],
  ])('%s constructs or refuses (never crashes)', (_, make) => {
    fc.assert(
      fc.property(fc.anything(), options => {
        expectConstructedOrRefused(construct(() => make(options)));
      }),
      RUNS,
    );
  });

  it('createBatchRetryManager opens or refuses (never crashes)', async () => {
    // a plain object gets a memory store, so nothing is ever written to disk
    const withMemoryStore = (o: unknown) =>
      typeof o === 'object' && o !== null && !Array.isArray(o)
        ? { ...o, store: createMemoryBatchStore() }
        : o;
    await fc.assert(
      fc.asyncProperty(fc.anything().map(withMemoryStore), async options => {
        // (it throws invalid options synchronously rather than rejecting: reported to the batch area)
        const outcome = await Promise.resolve(options as never)
          .then(createBatchRetryManager)
          .then(
            manager => manager.close(),
            (error: unknown) => error ?? new Error('rejected with undefined'),
          );
        expectConstructedOrRefused(outcome);
      }),
      RUNS,
    );
  });
});
