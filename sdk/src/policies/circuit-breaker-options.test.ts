/**
 * Issue 8 §2.6, circuit-breaker options: `null` and wrong shapes are refused naming the option (they crashed with
 * "Cannot read properties of null"), and partial sub-objects take their missing fields from the documented
 * defaults (they were refused with invented NaN values).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPolicy } from '../pipeline/create-policy.js';
import { httpError } from '../test-support/errors.js';
import { CIRCUIT_BREAKER_DEFAULTS } from './circuit-breaker-options.js';
import { createCircuitBreaker } from './create-circuit-breaker.js';

const create = (options: object) => () => createCircuitBreaker('b', { registry: null, ...options });

describe('circuit-breaker options: refused at construction, naming the option', () => {
  it('refuses breaker: null (crashed reading .kind)', () => {
    expect(create({ breaker: null })).toThrow(TypeError);
    expect(create({ breaker: null })).toThrow(
      'Invalid options for createCircuitBreaker("b"): options.breaker must be a breaker spec ({ kind, … }) or a cockatiel IBreaker, got null',
    );
  });

  it('asks for breaker.kind when it is missing instead of inventing sampling settings', () => {
    const make = create({ breaker: { threshold: 0.5 } });
    expect(make).toThrow(TypeError);
    expect(make).toThrow(
      'Invalid options for createCircuitBreaker("b"): options.breaker.kind must be one of "consecutive", "count", "sampling", got undefined',
    );
  });

  it('names the missing required fields of count and sampling breakers as undefined, never NaN', () => {
    expect(create({ breaker: { kind: 'count' } })).toThrow(
      'options.breaker.threshold must be a number in (0, 1), got undefined; options.breaker.size must be an integer in [1, 100000], got undefined',
    );
    expect(create({ breaker: { kind: 'sampling', threshold: 0.5 } })).toThrow(
      'options.breaker.durationMs must be a number in (0, 3600000], got undefined',
    );
    expect(create({ breaker: { kind: 'count' } })).not.toThrow(/NaN/);
  });

  it('refuses an initialState that is not a saved state', () => {
    expect(create({ initialState: 5 })).toThrow(TypeError);
    expect(create({ initialState: 5 })).toThrow('options.initialState must be an object, got 5');
    expect(create({ initialState: null })).toThrow('options.initialState must be an object, got null');
  });

  it('refuses a halfOpenAfterMs backoff whose cap is below its initial delay', () => {
    expect(create({ halfOpenAfterMs: { initialDelayMs: 10_000, maxDelayMs: 5_000 } })).toThrow(
      'options.halfOpenAfterMs.maxDelayMs must be a number in [10000, 2147483647], got 5000',
    );
    // without initialDelayMs the default one (30 s) is the floor
    expect(create({ halfOpenAfterMs: { maxDelayMs: 5_000 } })).toThrow(
      'options.halfOpenAfterMs.maxDelayMs must be a number in [30000, 2147483647], got 5000',
    );
  });
});

describe('circuit-breaker options: partial sub-objects take the defaults', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('halfOpenSampling: { calls: 3 } keeps the default threshold and lets 3 probes through', async () => {
    const breaker = createCircuitBreaker('b', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
      halfOpenAfterMs: 1_000,
      halfOpenSampling: { calls: 3 } as never,
    });
    expect(breaker.snapshot().config.halfOpenSampling).toEqual({ calls: 3, threshold: 0 });
    await expect(breaker.execute(() => Promise.reject(httpError(500)))).rejects.toThrow();
    vi.advanceTimersByTime(1_000);
    const probes = [0, 1, 2, 3].map(() =>
      breaker
        .execute(() => new Promise(resolve => setTimeout(resolve, 10)))
        .then(
          () => 'ran',
          () => 'rejected',
        ),
    );
    await vi.advanceTimersByTimeAsync(10);
    expect(await Promise.all(probes)).toEqual(['ran', 'ran', 'ran', 'rejected']);
    breaker.dispose();
  });

  it('halfOpenSampling: { threshold } keeps the default single probe', () => {
    const breaker = createCircuitBreaker('b', {
      registry: null,
      halfOpenSampling: { threshold: 0.5 } as never,
    });
    expect(breaker.snapshot().config.halfOpenSampling).toEqual({ calls: 1, threshold: 0.5 });
    breaker.dispose();
  });

  it('halfOpenAfterMs: { initialDelayMs } grows ×2 up to the default cap of max(5 min, initialDelayMs)', async () => {
    const breaker = createCircuitBreaker('b', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
      halfOpenAfterMs: { initialDelayMs: 1_000 } as never,
    });
    expect(breaker.snapshot().config.halfOpenAfterMs).toEqual({
      initialDelayMs: 1_000,
      maxDelayMs: 300_000,
      multiplier: 2,
    });
    const waits: Array<number | undefined> = [];
    for (let open = 0; open < 3; open++) {
      await expect(breaker.execute(() => Promise.reject(httpError(500)))).rejects.toThrow();
      waits.push(breaker.retryAfterMs);
      vi.advanceTimersByTime(breaker.retryAfterMs ?? 0);
    }
    expect(waits).toEqual([1_000, 2_000, 4_000]);
    breaker.dispose();
    const long = createCircuitBreaker('c', {
      registry: null,
      halfOpenAfterMs: { initialDelayMs: 600_000 } as never,
    });
    expect(long.snapshot().config.halfOpenAfterMs).toEqual({
      initialDelayMs: 600_000,
      maxDelayMs: 600_000,
      multiplier: 2,
    });
    long.dispose();
  });

  it('halfOpenAfterMs: {} is the default backoff (30 s, ×2, capped at 5 min)', () => {
    const breaker = createCircuitBreaker('b', { registry: null, halfOpenAfterMs: {} as never });
    expect(breaker.snapshot().config.halfOpenAfterMs).toEqual(CIRCUIT_BREAKER_DEFAULTS.halfOpenBackoff);
    expect(CIRCUIT_BREAKER_DEFAULTS.halfOpenBackoff).toEqual({
      initialDelayMs: 30_000,
      maxDelayMs: 300_000,
      multiplier: 2,
    });
    breaker.dispose();
  });

  it('an inline breaker of createPolicy merges the same defaults', () => {
    const policy = createPolicy('p', {
      registry: null,
      circuitBreaker: { breaker: { kind: 'consecutive' }, halfOpenSampling: { calls: 2 } as never },
    });
    expect(policy.circuitBreaker?.snapshot().config).toMatchObject({
      breaker: { kind: 'consecutive', threshold: 5 },
      halfOpenSampling: { calls: 2, threshold: 0 },
    });
    policy.dispose();
  });
});
