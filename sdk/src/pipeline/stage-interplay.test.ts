/**
 * Defects found where stages meet (issue 8 §1). Each test reproduces one defect through the public API; the
 * comment above it names the defect.
 */
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBatchRetryManager, createMemoryBatchStore } from '../batch/index.js';
import {
  CallCancelledError,
  CallRejectedError,
  createAgent,
  createCircuitBreaker,
  createClassifier,
  createFeatureRegistry,
  createPolicy,
  createRecoveryManager,
  createRetryBudget,
  ErrorAggregator,
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

/** Abort reasons callers use; none of them may count as a downstream failure. */
const ABORTS: ReadonlyArray<readonly [string, (c: AbortController) => void]> = [
  ['abort()', c => c.abort()],
  [
    'a TimeoutError (AbortSignal.timeout)',
    c => c.abort(new DOMException('signal timed out', 'TimeoutError')),
  ],
  ['an Error', c => c.abort(new Error('user navigated away'))],
  ['a custom object', c => c.abort({ why: 'shutdown' })],
];

describe('§1.3 a call the caller cancelled is never a failure of the downstream', () => {
  it.each(ABORTS)('abort reason %s: breaker, budget and recovery stay untouched', async (_, abort) => {
    const breaker = createCircuitBreaker('cb', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 3 },
    });
    const budget = createRetryBudget('b', { registry: null, kind: 'token_bucket', maxTokens: 10 });
    const recovery = createRecoveryManager('r', { registry: null, failureThreshold: 1 });
    const errors = new ErrorAggregator();
    const policy = createPolicy('p', {
      registry: null,
      circuitBreaker: breaker,
      recovery,
      attemptTimeoutMs: 60_000,
      retry: { maxRetries: 2, initialDelayMs: 0, budget },
    });
    for (let i = 0; i < 3; i++) {
      const controller = new AbortController();
      const call = policy.execute(hangUntilAborted, { signal: controller.signal }).catch(e => e);
      await drain();
      abort(controller);
      const error = await call;
      expect(error).toBeInstanceOf(CallCancelledError);
      errors.record(error);
    }
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot()).toMatchObject({ failures: 0, consecutiveFailures: 0 });
    expect(recovery.state).toBe('healthy');
    expect(budget.snapshot()).toMatchObject({ tokens: 10 });
    expect(errors.total()).toBe(0);
    policy.dispose();
    breaker.dispose();
    budget.dispose();
    recovery.dispose();
  });

  it('a client error thrown after the caller aborted (not the abort reason) is still a cancellation', async () => {
    const breaker = createCircuitBreaker('cb', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
    });
    const policy = createPolicy('p', { registry: null, circuitBreaker: breaker });
    const controller = new AbortController();
    const call = policy
      .execute(
        ({ signal }) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () =>
              reject(Object.assign(new Error('terminated'), { status: 503 })),
            ),
          ),
        { signal: controller.signal },
      )
      .catch(e => e);
    await drain();
    controller.abort(new DOMException('signal timed out', 'TimeoutError'));
    expect(await call).toBeInstanceOf(CallCancelledError);
    expect(breaker.state).toBe('closed');
    policy.dispose();
    breaker.dispose();
  });

  it('AbortSignal.timeout(5) on three calls leaves the breaker closed', async () => {
    const breaker = createCircuitBreaker('cb', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 3 },
    });
    const policy = createPolicy('p', { registry: null, circuitBreaker: breaker });
    for (let i = 0; i < 3; i++) {
      const error = await policy.execute(hangUntilAborted, { signal: AbortSignal.timeout(5) }).catch(e => e);
      expect(error).toBeInstanceOf(CallCancelledError);
    }
    expect(breaker.state).toBe('closed');
    policy.dispose();
    breaker.dispose();
  });

  it.each(ABORTS)('abort reason %s: the feature registry does not count it', async (_, abort) => {
    const features = createFeatureRegistry({ registry: null });
    const summaries = features.define('summaries', { fallback: 'n/a', errorThreshold: 1 });
    const controller = new AbortController();
    const call = features
      .executeIfEnabled(summaries, () => hangUntilAborted(controller), { signal: controller.signal })
      .catch(e => e);
    await drain();
    abort(controller);
    await call;
    expect(summaries.enabled).toBe(true);
    expect(summaries.snapshot().errorsInWindow).toBe(0);
    features.dispose();
  });

  it('agent.cancel(thread, reason) does not count against the model’s breaker', async () => {
    const breaker = createCircuitBreaker('cb', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
    });
    const agent = createAgent('support', {
      registry: null,
      retry: false,
      models: { circuitBreaker: breaker },
    });
    const run = agent.run(r => r.model('gpt', hangUntilAborted), { threadId: 't1' }).catch(e => e);
    await drain();
    expect(agent.cancel('t1', new Error('user left'))).toBe(1);
    expect(await run).toBeInstanceOf(CallCancelledError);
    expect(breaker.state).toBe('closed');
    agent.dispose();
    breaker.dispose();
  });
});

describe('§1.4 half-open: neutral outcomes neither close nor reopen (Polly v8)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function halfOpenBreaker() {
    const breaker = createCircuitBreaker('cb', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
      halfOpenAfterMs: 1_000,
    });
    await breaker.execute(() => Promise.reject(httpError(503))).catch(() => undefined);
    expect(breaker.state).toBe('open');
    vi.advanceTimersByTime(1_000);
    return breaker;
  }

  it('a probe ending in a 400 releases the probe slot; the next success closes the circuit', async () => {
    const breaker = await halfOpenBreaker();
    await expect(breaker.execute(() => Promise.reject(httpError(400)))).rejects.toThrow();
    expect(breaker.state).toBe('half_open');
    await expect(breaker.execute(() => 'ok')).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    breaker.dispose();
  });

  it('a cancelled probe releases the probe slot without closing or reopening', async () => {
    const breaker = await halfOpenBreaker();
    const controller = new AbortController();
    const probe = breaker.execute(hangUntilAborted, controller.signal).catch(e => e);
    controller.abort(new Error('caller gave up'));
    await probe;
    expect(breaker.state).toBe('half_open');
    await expect(breaker.execute(() => 'ok')).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    breaker.dispose();
  });

  it('a standalone probe whose function ignores the abort settles at once and frees the slot', async () => {
    const breaker = await halfOpenBreaker();
    const controller = new AbortController();
    const probe = breaker.execute(() => new Promise(() => {}), controller.signal).catch(e => e);
    controller.abort(new Error('caller gave up'));
    expect(await probe).toBe(controller.signal.reason);
    await expect(breaker.execute(() => 'ok')).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    breaker.dispose();
  });

  it('rejects other calls while the probe is in flight, and reopens when the probe fails', async () => {
    const breaker = await halfOpenBreaker();
    let fail!: (e: unknown) => void;
    const probe = breaker.execute(() => new Promise((_, reject) => (fail = reject))).catch(e => e);
    await expect(breaker.execute(() => 'second')).rejects.toMatchObject({ name: 'CircuitOpenError' });
    fail(httpError(503));
    await probe;
    expect(breaker.state).toBe('open');
    breaker.dispose();
  });
});

describe('§1.5 bulkhead: a queued caller that aborts leaves the queue at once', () => {
  it('frees its queue slot for the next caller (maxConcurrent 1, maxQueue 1)', async () => {
    const policy = createPolicy('b', { registry: null, bulkhead: { maxConcurrent: 1, maxQueue: 1 } });
    let release!: (v: string) => void;
    const running = policy.execute(() => new Promise<string>(r => (release = r)));
    const controller = new AbortController();
    const leaving = policy.execute(() => 'never', { signal: controller.signal }).catch(e => e);
    controller.abort();
    expect(await leaving).toBeInstanceOf(CallCancelledError);
    const next = policy.execute(() => 'next');
    release('first');
    await expect(running).resolves.toBe('first');
    await expect(next).resolves.toBe('next');
  });
});

describe('§1.6 reset() keeps isolation holds', () => {
  it('an isolated breaker stays isolated through reset(); the hold still releases it', () => {
    const breaker = createCircuitBreaker('cb', { registry: null });
    const hold = breaker.isolate();
    breaker.reset();
    expect(breaker.state).toBe('isolated');
    hold.dispose();
    expect(breaker.state).toBe('closed');
    breaker.dispose();
  });

  it("a parent's isolateChildren hold survives the child's reset()", async () => {
    const parent = createCircuitBreaker('provider', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
      isolateChildren: true,
      halfOpenAfterMs: 60_000,
    });
    const child = createCircuitBreaker('model', { registry: null, parent });
    await parent.execute(() => Promise.reject(httpError(503))).catch(() => undefined);
    expect(child.state).toBe('isolated');
    child.reset();
    expect(child.state).toBe('isolated');
    parent.reset();
    expect(child.state).toBe('closed');
    child.dispose();
    parent.dispose();
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
