/**
 * Defects a line-by-line review of the stage kernel found where stages meet (issue 8, second round). Each test
 * failed before its fix; the comment above it names the defect.
 */
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { classifyError } from '../classify/classifier.js';
import {
  CallCancelledError,
  createCircuitBreaker,
  createPolicy,
  createRateLimiter,
  createRecoveryManager,
  ResilienceTimeoutError,
} from '../index.js';
import { hangUntilAborted, httpError } from '../test-support/errors.js';

const drain = () => new Promise<void>(resolve => setImmediate(resolve));
const SECRET = 'sk-proj-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

describe('signals handed to user code', () => {
  // D1: a fallback factory got the process-wide never-aborting sentinel; listeners piled up on it.
  it('a fallback factory gets a signal of its own call, never one shared with other calls', async () => {
    const seen: AbortSignal[] = [];
    const policy = createPolicy('p', {
      registry: null,
      fallback: {
        factory: ({ signal }) => {
          seen.push(signal);
          signal.addEventListener('abort', () => {});
          return 'fallback';
        },
      },
    });
    for (let i = 0; i < 20; i++) await policy.execute(() => Promise.reject(httpError(500)));
    expect(new Set(seen).size).toBe(20);
    expect(getEventListeners(seen[0]!, 'abort')).toHaveLength(1);
    policy.dispose();
  });

  // D7: a caller abort did not end a fallback factory that ignores its signal.
  it('a caller abort ends a fallback that ignores its signal at once', async () => {
    const caller = new AbortController();
    const policy = createPolicy('p', {
      registry: null,
      fallback: { when: ['server_error'], factory: () => new Promise(() => {}) },
    });
    const call = policy
      .execute(() => Promise.reject(httpError(500)), { signal: caller.signal })
      .catch(e => e);
    await drain();
    caller.abort();
    expect(await call).toBeInstanceOf(CallCancelledError);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    policy.dispose();
  });

  // D2: fn's own signal, first read after the call settled (a stream it returned), stayed linked to the caller's.
  it('a signal fn first reads after the call settled leaves no listener on the caller signal', async () => {
    const caller = new AbortController();
    const policy = createPolicy('p', { registry: null });
    const inputs: { signal: AbortSignal }[] = [];
    for (let i = 0; i < 5; i++) {
      await policy.execute(
        input => {
          inputs.push(input);
          return 1;
        },
        { signal: caller.signal },
      );
    }
    for (const input of inputs) expect(input.signal.aborted).toBe(false);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    policy.dispose();
  });
});

describe('a custom classifier that throws', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // D4: the throw left the half-open probe's permit held: the breaker rejected every later call.
  it('never strands a half-open probe slot', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let broken = false;
    const policy = createPolicy('p', {
      registry: null,
      classifier: e => {
        if (broken) throw new TypeError('classifier bug');
        return classifyError(e);
      },
      circuitBreaker: { breaker: { kind: 'consecutive', threshold: 1 }, halfOpenAfterMs: 1_000 },
    });
    await policy.execute(() => Promise.reject(httpError(500))).catch(() => {});
    vi.advanceTimersByTime(1_500);
    broken = true;
    await policy
      .execute(() => Promise.reject(Object.assign(httpError(500), { tag: 'probe' })))
      .catch(() => {});
    broken = false;
    vi.advanceTimersByTime(60_000);
    let runs = 0;
    await policy
      .execute(() => {
        runs++;
        return 'ok';
      })
      .catch(() => {});
    expect(runs).toBe(1);
    policy.dispose();
  });

  // D4: the total timeout's timer callback classified the timeout and threw out of the timer.
  it('does not throw from the total timeout’s timer; the call still ends with reason deadline', async () => {
    const policy = createPolicy('p', {
      registry: null,
      classifier: e => {
        if (ResilienceTimeoutError.isInstance(e)) throw new TypeError('classifier bug');
        return classifyError(e);
      },
      totalTimeoutMs: 10,
    });
    const failure = await policy.execute(hangUntilAborted).catch(e => e);
    expect(failure).toMatchObject({ reason: 'deadline' });
    policy.dispose();
  });

  // D13: an inline breaker's own classifier skipped sanitising: the key reached the breaker snapshot.
  it('an inline breaker’s own classifier is sanitised like the policy’s', async () => {
    const policy = createPolicy('p', {
      registry: null,
      circuitBreaker: {
        breaker: { kind: 'consecutive', threshold: 5 },
        classifier: e => ({ ...classifyError(e), message: (e as Error).message }),
      },
    });
    await policy
      .execute(() => Promise.reject(Object.assign(new Error(`bad key ${SECRET}`), { status: 500 })))
      .catch(() => {});
    expect(JSON.stringify(policy.circuitBreaker?.snapshot().lastFailure)).not.toContain(SECRET);
    policy.dispose();
  });
});

describe('breaker hierarchies and listeners', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  // D5: releasing a parent's hold force-closed a child that had opened on its own failures.
  it('a child open on its own stays open (with its wait) when its parent releases it', async () => {
    const parent = createCircuitBreaker('provider', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 100 },
      isolateChildren: true,
    });
    const child = createCircuitBreaker('model', {
      registry: null,
      parent,
      breaker: { kind: 'consecutive', threshold: 1 },
      halfOpenAfterMs: 600_000,
    });
    await child.execute(() => Promise.reject(httpError(500))).catch(() => {});
    const hold = parent.isolate();
    expect(child.state).toBe('isolated');
    hold.dispose();
    expect(child.state).toBe('open');
    expect(child.retryAfterMs).toBe(600_000);
    child.dispose();
    parent.dispose();
  });

  // D8: a disposed parent stayed in its children's lineage and kept rejecting them, invisible to the registry.
  it('a disposed parent no longer rejects its children', async () => {
    const parent = createCircuitBreaker('provider', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
      halfOpenAfterMs: 600_000,
    });
    const child = createCircuitBreaker('model', { registry: null, parent });
    await parent.execute(() => Promise.reject(httpError(500))).catch(() => {});
    parent.dispose();
    await expect(child.execute(() => 'ok')).resolves.toBe('ok');
    expect(child.snapshot().parent).toBeNull();
    child.dispose();
  });

  // D10: a user onTransition listener that threw kept the recovery manager from hearing the breaker open.
  it('a throwing onTransition listener does not starve the other listeners', async () => {
    const breaker = createCircuitBreaker('b', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
      halfOpenAfterMs: 60_000,
    });
    breaker.onTransition(() => {
      throw new Error('user listener bug');
    });
    const recovery = createRecoveryManager('r', { registry: null, circuitBreaker: breaker });
    await breaker.execute(() => Promise.reject(httpError(500))).catch(() => {});
    expect(recovery.state).toBe('degraded');
    recovery.dispose();
    breaker.dispose();
  });

  // D11: recovery let every call through while the followed breaker was half-open, not only its probes.
  it('recovery lets through the breaker’s probes only, not every call while it is half-open', async () => {
    const breaker = createCircuitBreaker('b', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
      halfOpenAfterMs: 1_000,
    });
    const recovery = createRecoveryManager('r', {
      registry: null,
      circuitBreaker: breaker,
      random: () => 0.99,
      degradedTrafficRatio: 0.2,
      successThreshold: 1_000,
    });
    await breaker.execute(() => Promise.reject(httpError(500))).catch(() => {});
    vi.advanceTimersByTime(1_500);
    void breaker.execute(() => new Promise(() => {}));
    expect(breaker.state).toBe('half_open');
    const other = createPolicy('p', { registry: null, recovery });
    let runs = 0;
    for (let i = 0; i < 100; i++) {
      await other
        .execute(() => {
          runs++;
          return 1;
        })
        .catch(() => {});
    }
    expect(runs).toBe(0);
    other.dispose();
    recovery.dispose();
    breaker.dispose();
  });
});

describe('admission waits', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // D6: a total timeout during the adaptive limiter's wait (fn never ran) opened the breaker.
  it('a total timeout during an admission wait is not a failure of the downstream', async () => {
    vi.useFakeTimers();
    const clock = { t: 1_000_000 };
    const policy = createPolicy('p', {
      registry: null,
      totalTimeoutMs: 3_334,
      circuitBreaker: {
        breaker: { kind: 'consecutive', threshold: 1 },
        halfOpenAfterMs: 60_000,
        failureCategories: ['timeout'],
      },
      adaptiveRateLimiter: { minFillRate: 0.3, now: () => clock.t },
    });
    await policy.execute(() => Promise.reject(httpError(429))).catch(() => {});
    let runs = 0;
    const call = policy
      .execute(() => {
        runs++;
        return 'ok';
      })
      .catch(e => e);
    await vi.advanceTimersByTimeAsync(4_000);
    await call;
    expect(runs).toBe(0);
    expect(policy.circuitBreaker?.snapshot().failures).toBe(0);
    expect(policy.circuitBreaker?.state).toBe('closed');
    policy.dispose();
  });

  // D12: an aborted rate-limiter wait was counted as granted and waited.
  it('a rate-limiter wait the caller abandons is neither granted nor waited', async () => {
    const limiter = createRateLimiter('l', {
      registry: null,
      kind: 'token_bucket',
      limit: 1,
      intervalMs: 60_000,
      maxWaitMs: 60_000,
    });
    const policy = createPolicy('p', { registry: null, rateLimiter: limiter });
    await policy.execute(() => 1);
    const caller = new AbortController();
    const call = policy.execute(() => 1, { signal: caller.signal }).catch(e => e);
    await drain();
    caller.abort();
    expect(await call).toBeInstanceOf(CallCancelledError);
    expect(limiter.snapshot()).toMatchObject({ granted: 1, waited: 0 });
    policy.dispose();
    limiter.dispose();
  });
});
