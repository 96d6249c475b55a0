/**
 * Issue 8 §2.6, the listed gaps that every public factory shares: a wrong `registry` or `null` options must be
 * refused at construction with a TypeError naming the option (they failed later with "registry.register is not a
 * function" or "Cannot read properties of null").
 */
import { describe, expect, it } from 'vitest';
import { createAgent } from './agent/create-agent.js';
import { ErrorAggregator } from './classify/error-aggregator.js';
import { PolicyRegistry } from './core/registry.js';
import { createAdaptiveRateLimiter } from './load/adaptive-rate-limiter.js';
import { createAdaptiveRetryLimit } from './load/adaptive-retry.js';
import { createRecoveryManager } from './load/create-recovery-manager.js';
import { watchErrorPatterns } from './load/error-patterns.js';
import { createFeatureRegistry } from './load/feature-registry.js';
import { createRateLimiter } from './load/rate-limiter.js';
import { createRetryBudget } from './load/retry-budget.js';
import { createPolicy } from './pipeline/create-policy.js';
import { createCircuitBreaker } from './policies/create-circuit-breaker.js';

type Factory = (options: never) => unknown;

const dispose = (made: unknown) => (made as { dispose?: () => void } | undefined)?.dispose?.();

/** Every public factory that takes `registry`, with the least other options it needs. */
const WITH_REGISTRY: ReadonlyArray<readonly [string, Factory, object]> = [
  ['createPolicy', o => createPolicy('p', o), {}],
  ['createCircuitBreaker', o => createCircuitBreaker('b', o), {}],
  ['createRetryBudget', o => createRetryBudget('b', o), {}],
  ['createRateLimiter', o => createRateLimiter('l', o), { limit: 1 }],
  ['createRecoveryManager', o => createRecoveryManager('r', o), {}],
  ['createFeatureRegistry', o => createFeatureRegistry(o), {}],
  ['createAgent', o => createAgent('a', o), {}],
];

/** Every public factory that takes an options object. */
const WITH_OPTIONS: ReadonlyArray<readonly [string, Factory]> = [
  ...WITH_REGISTRY.map(([name, create]) => [name, create] as const),
  ['createAdaptiveRateLimiter', o => createAdaptiveRateLimiter('a', o)],
  ['createAdaptiveRetryLimit', o => createAdaptiveRetryLimit('a', o)],
  ['ErrorAggregator', o => new ErrorAggregator(o)],
  ['watchErrorPatterns', o => watchErrorPatterns(new ErrorAggregator(), [], o)],
  ['FeatureRegistry.define', o => createFeatureRegistry({ registry: null }).define('f', o)],
];

describe.each(WITH_REGISTRY)('%s registry option', (_, create, base) => {
  it.each([
    ['x', '"x"'],
    [{}, 'an object (Object)'],
    [{ register: () => () => {} }, 'an object (Object)'],
    [0, '0'],
  ])('refuses %j at construction, naming the option', (registry, shown) => {
    const make = () => create({ ...base, registry } as never);
    expect(make).toThrow(TypeError);
    expect(make).toThrow(`registry must be a PolicyRegistry or null, got ${shown}`);
  });

  it('accepts a PolicyRegistry and null', () => {
    const registry = new PolicyRegistry();
    dispose(create({ ...base, registry } as never));
    dispose(create({ ...base, registry: null } as never));
  });
});

describe.each(WITH_OPTIONS)('%s options', (_, create) => {
  it.each([[null], ['x'], [5], [[]]])('refuses %j with a TypeError naming "options"', options => {
    const make = () => create(options as never);
    expect(make).toThrow(TypeError);
    expect(make).toThrow(/: options must be an object, got /);
  });
});
