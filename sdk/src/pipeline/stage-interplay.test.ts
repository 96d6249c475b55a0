/**
 * Defects found where stages meet (issue 8 §1). Each test reproduces one defect through the public API; the
 * comment above it names the defect.
 */
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBatchRetryManager, createMemoryBatchStore } from '../batch/index.js';
import {
  CallRejectedError,
  createAgent,
  createClassifier,
  createPolicy,
  createRecoveryManager,
  createRetryBudget,
} from '../index.js';
import * as semconv from '../semconv.js';
import { hangUntilAborted, httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';

const { METRIC_ATTEMPT_DURATION, METRIC_CALL_DURATION, METRIC_ERRORS, METRIC_REJECTIONS } = semconv;
const { ATTR_RESILIENCE_ERROR_CATEGORY, ATTR_RESILIENCE_OUTCOME, ATTR_RESILIENCE_STRATEGY } = semconv;

/** Lets every pending promise reaction and real `setImmediate` run (timers stay faked). */
const drain = () => new Promise<void>(resolve => setImmediate(resolve));

describe('§1.1 a rejection after an attempt timeout is a rejection, not a timeout', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it('breaker: the retry into the open circuit ends CallRejectedError(circuit_open) without spending more budget', async () => {
    const budget = createRetryBudget('b', { registry: null, ratio: 1, minPerSecond: 10 });
    const policy = createPolicy('p', {
      registry: null,
      attemptTimeoutMs: 5,
      circuitBreaker: { breaker: { kind: 'consecutive', threshold: 1 }, halfOpenAfterMs: 60_000 },
      retry: { maxRetries: 3, initialDelayMs: 0, budget },
    });
    let runs = 0;
    const error = await policy
      .execute(input => {
        runs++;
        return hangUntilAborted(input);
      })
      .catch(e => e);
    expect(error).toBeInstanceOf(CallRejectedError);
    expect(error).toMatchObject({ strategy: 'circuit_breaker', reason: 'rejected', attempts: 1 });
    expect(error.classified.category).toBe('circuit_open');
    expect(runs).toBe(1);
    expect(budget.snapshot()).toMatchObject({ retries: 1 });
    expect(await otel.total(METRIC_ERRORS, { [ATTR_RESILIENCE_ERROR_CATEGORY]: 'timeout' })).toBe(1);
    policy.dispose();
    budget.dispose();
  });

  it("breaker: a fallback for 'circuit_open' serves the call", async () => {
    const policy = createPolicy('p', {
      registry: null,
      attemptTimeoutMs: 5,
      circuitBreaker: { breaker: { kind: 'consecutive', threshold: 1 }, halfOpenAfterMs: 60_000 },
      retry: { maxRetries: 3, initialDelayMs: 0 },
      fallback: { when: ['circuit_open'], value: 'served' },
    });
    await expect(policy.execute(hangUntilAborted)).resolves.toBe('served');
    policy.dispose();
  });

  it('recovery: an attempt shed after a timed-out one is rejected (recovery), not a timeout', async () => {
    const recovery = createRecoveryManager('r', {
      registry: null,
      failureThreshold: 1,
      degradedTrafficRatio: 0.5,
      random: () => 0.99,
    });
    const policy = createPolicy('p', {
      registry: null,
      attemptTimeoutMs: 5,
      recovery,
      retry: { maxRetries: 3, initialDelayMs: 0 },
    });
    const error = await policy.execute(hangUntilAborted).catch(e => e);
    expect(error).toBeInstanceOf(CallRejectedError);
    expect(error).toMatchObject({ strategy: 'recovery', attempts: 1 });
    expect(error.classified.category).toBe('rejected');
    policy.dispose();
    recovery.dispose();
  });
});

describe('§1.2 the cache fallback never serves one call another call’s answer', () => {
  it('neither stores nor serves without a cacheKey', async () => {
    const policy = createPolicy('p', { registry: null, fallback: { cache: {} } });
    await expect(policy.execute(() => 'answer for A')).resolves.toBe('answer for A');
    const error = await policy.execute(() => Promise.reject(httpError(503))).catch(e => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBe('answer for A');
  });

  it('serves only the entry of the caller’s own key', async () => {
    const policy = createPolicy('p', { registry: null, fallback: { cache: {} } });
    await policy.execute(() => 'A', { cacheKey: 'user-a' });
    await expect(
      policy.execute(() => Promise.reject(httpError(503)), { cacheKey: 'user-b' }),
    ).rejects.toThrow();
    await expect(policy.execute(() => Promise.reject(httpError(503)), { cacheKey: 'user-a' })).resolves.toBe(
      'A',
    );
  });

  it('is refused where no key can ever reach it: an agent run (runs are executed without a cacheKey)', () => {
    expect(() => createAgent('a', { registry: null, run: { fallback: { cache: {} } } as never })).toThrow(
      /run\.fallback must be absent .*cacheKey/,
    );
  });
});

describe('§1.8 abort listeners', () => {
  it('hands each call its own signal when the caller gave none', async () => {
    const policy = createPolicy('p', { registry: null });
    const seen: AbortSignal[] = [];
    for (let i = 0; i < 2; i++) await policy.execute(({ signal }) => seen.push(signal));
    expect(seen[0]).not.toBe(seen[1]);
    expect(seen[0]?.aborted).toBe(false);
  });

  it('1,000 calls in flight on one caller signal: no listener warning, no listener left after they settle', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const policy = createPolicy('p', {
        registry: null,
        attemptTimeoutMs: 60_000,
        totalTimeoutMs: 120_000,
        bulkhead: { maxConcurrent: 2_000 },
        retry: { maxRetries: 1 },
      });
      const shared = new AbortController();
      let release!: () => void;
      const gate = new Promise<void>(r => (release = r));
      const calls = Array.from({ length: 1_000 }, () =>
        policy.execute(({ signal }) => gate.then(() => signal.aborted), { signal: shared.signal }),
      );
      await drain();
      expect(getEventListeners(shared.signal, 'abort').length).toBeLessThanOrEqual(1);
      release();
      await Promise.all(calls);
      expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
      await drain();
      expect(warnings.filter(w => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('§1.9 a zero delay retries without a timer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settles with the clock stopped', async () => {
    const policy = createPolicy('p', { registry: null, retry: { maxRetries: 3, initialDelayMs: 0 } });
    let attempts = 0;
    let result: unknown;
    void policy
      .execute(() => (++attempts < 4 ? Promise.reject(httpError(503)) : 'ok'))
      .then(v => {
        result = v;
      });
    await drain();
    expect(result).toBe('ok');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('§1.10 a call rejected before fn runs is a rejection, not an attempt', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it('records no attempt for a call the open breaker rejects', async () => {
    const policy = createPolicy('p', {
      registry: null,
      circuitBreaker: { breaker: { kind: 'consecutive', threshold: 1 }, halfOpenAfterMs: 60_000 },
    });
    await policy.execute(() => Promise.reject(httpError(503))).catch(() => undefined);
    const error = await policy.execute(() => 'never').catch(e => e);
    expect(error).toBeInstanceOf(CallRejectedError);
    expect(await otel.total(METRIC_ATTEMPT_DURATION)).toBe(1);
    expect(await otel.total(METRIC_ATTEMPT_DURATION, { [ATTR_RESILIENCE_OUTCOME]: 'rejected' })).toBe(0);
    expect(await otel.total(METRIC_REJECTIONS, { [ATTR_RESILIENCE_STRATEGY]: 'circuit_breaker' })).toBe(1);
    expect(await otel.total(METRIC_CALL_DURATION, { [ATTR_RESILIENCE_OUTCOME]: 'rejected' })).toBe(1);
    policy.dispose();
  });
});

describe('§1.11 delay options are bounded by the largest timer delay (2^31 − 1 ms)', () => {
  it.each([
    ['retry.initialDelayMs', { retry: { initialDelayMs: 3e9 } }],
    ['retry.maxDelayMs', { retry: { maxDelayMs: 3e9 } }],
    ['retry.maxRetryAfterMs', { retry: { maxRetryAfterMs: 3e9 } }],
    [
      'retry.categories.rate_limited.initialDelayMs',
      { retry: { categories: { rate_limited: { initialDelayMs: 3e9 } } } },
    ],
    ['circuitBreaker.halfOpenAfterMs', { circuitBreaker: { halfOpenAfterMs: 3e9 } }],
    ['attemptTimeoutMs', { attemptTimeoutMs: 3e9 }],
  ])('%s = 3e9 is refused, naming the option', (option, options) => {
    expect(() => createPolicy('p', { registry: null, ...(options as object) })).toThrow(
      new RegExp(
        `${option.replaceAll('.', '\\.')} must be a number in [\\[(]0, 2147483647\\], got 3000000000`,
      ),
    );
  });

  it('the classifier’s retryAfterCapMs and the batch backoff are bounded the same way', async () => {
    expect(() => createClassifier({ retryAfterCapMs: 3e9 })).toThrow(
      'retryAfterCapMs must be a number in [0, 2147483647], got 3000000000',
    );
    expect(() => createClassifier({ retryAfterCapMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    await expect(
      (async () =>
        createBatchRetryManager({
          name: 'b',
          batchId: 'b',
          store: createMemoryBatchStore(),
          backoff: { maxDelayMs: 3e9 },
        }))(),
    ).rejects.toThrow('backoff.maxDelayMs must be a number in [0, 2147483647], got 3000000000');
  });
});
