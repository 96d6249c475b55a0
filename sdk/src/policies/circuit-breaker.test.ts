import { isBrokenCircuitError } from 'cockatiel';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PolicyRegistry } from '../core/registry.js';
import { CallCancelledError, CallRejectedError } from '../errors/call-errors.js';
import { CircuitOpenError } from '../errors/signals.js';
import { createPolicy } from '../pipeline/create-policy.js';
import { hangUntilAborted, httpError } from '../test-support/errors.js';
import type { CircuitTransition } from './circuit-breaker.js';
import { createCircuitBreaker } from './create-circuit-breaker.js';

const fail = (status: number) => async () => {
  throw httpError(status);
};

describe('circuit breaker', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens after consecutive counted failures and then rejects without calling the function', async () => {
    const policy = createPolicy('cb', {
      registry: null,
      circuitBreaker: { breaker: { kind: 'consecutive', threshold: 3 }, halfOpenAfterMs: 10_000 },
    });
    for (let i = 0; i < 3; i++) await expect(policy.execute(fail(503))).rejects.toThrow();
    expect(policy.circuitBreaker?.state).toBe('open');
    const fn = vi.fn(async () => 'never');
    vi.advanceTimersByTime(4_000);
    const error = await policy.execute(fn).catch(e => e);
    expect(fn).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(CallRejectedError);
    expect(error).toMatchObject({ strategy: 'circuit_breaker', reason: 'rejected' });
    expect(error.classified.category).toBe('circuit_open');
    expect(error.classified.retryAfterMs).toBe(6_000);
    expect(error.cause).toBeInstanceOf(CircuitOpenError);
    expect(isBrokenCircuitError(error.cause)).toBe(true);
  });

  it('only counts failure categories: validation errors and cancellations neither trip nor heal it', async () => {
    const policy = createPolicy('cb', {
      registry: null,
      circuitBreaker: { breaker: { kind: 'consecutive', threshold: 2 } },
    });
    await expect(policy.execute(fail(503))).rejects.toThrow();
    for (let i = 0; i < 5; i++) await expect(policy.execute(fail(400))).rejects.toThrow();
    // Cancellations that reach the breaker: the function is running when the caller aborts, with any reason.
    for (const reason of [undefined, new DOMException('timed out', 'TimeoutError'), new Error('gone')]) {
      const controller = new AbortController();
      const call = policy.execute(hangUntilAborted, { signal: controller.signal }).catch(e => e);
      await vi.advanceTimersByTimeAsync(0);
      controller.abort(reason);
      expect(await call).toBeInstanceOf(CallCancelledError);
    }
    expect(policy.circuitBreaker?.state).toBe('closed');
    expect(policy.circuitBreaker?.snapshot()).toMatchObject({
      failures: 1,
      ignored: 8,
      consecutiveFailures: 1,
    });
    // Not healed either: the next counted failure is the second in a row and opens the circuit.
    await expect(policy.execute(fail(503))).rejects.toThrow();
    expect(policy.circuitBreaker?.state).toBe('open');
  });

  it('goes half-open after halfOpenAfterMs and closes on a successful probe, reporting from → to', async () => {
    const breaker = createCircuitBreaker('provider', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
      halfOpenAfterMs: 1_000,
    });
    const transitions: CircuitTransition[] = [];
    breaker.onTransition(t => transitions.push(t));
    await expect(breaker.execute(fail(500))).rejects.toThrow();
    await expect(breaker.execute(async () => 'x')).rejects.toBeInstanceOf(CircuitOpenError);
    vi.advanceTimersByTime(1_000);
    await expect(breaker.execute(async () => 'probe ok')).resolves.toBe('probe ok');
    expect(transitions.map(t => `${t.from}->${t.to}`)).toEqual([
      'closed->open',
      'open->half_open',
      'half_open->closed',
    ]);
    expect(breaker.snapshot()).toMatchObject({
      state: 'closed',
      calls: 3,
      successes: 1,
      failures: 1,
      rejections: 1,
    });
    breaker.dispose();
  });

  it('grows the open period with a backoff', async () => {
    const breaker = createCircuitBreaker('b', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
      halfOpenAfterMs: { initialDelayMs: 1_000, maxDelayMs: 3_000, multiplier: 2 },
    });
    await expect(breaker.execute(fail(500))).rejects.toThrow();
    expect(breaker.retryAfterMs).toBe(1_000);
    vi.advanceTimersByTime(1_000);
    await expect(breaker.execute(fail(500))).rejects.toThrow();
    expect(breaker.state).toBe('open');
    expect(breaker.retryAfterMs).toBe(2_000);
    breaker.dispose();
  });

  it('can be reset manually and isolated', async () => {
    const breaker = createCircuitBreaker('b', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
    });
    const transitions: string[] = [];
    breaker.onTransition(t => transitions.push(`${t.from}->${t.to}`));
    await expect(breaker.execute(fail(500))).rejects.toThrow();
    breaker.reset();
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(async () => 1)).resolves.toBe(1);
    const handle = breaker.isolate();
    const error = await breaker.execute(async () => 1).catch(e => e);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error.isolated).toBe(true);
    handle.dispose();
    expect(breaker.state).toBe('closed');
    expect(transitions).toEqual(['closed->open', 'open->closed', 'closed->isolated', 'isolated->closed']);
    breaker.dispose();
  });

  it('survives a restart through toJSON / initialState', async () => {
    const first = createCircuitBreaker('b', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
    });
    await expect(first.execute(fail(500))).rejects.toThrow();
    const saved = JSON.parse(JSON.stringify(first.toJSON()));
    first.dispose();
    const second = createCircuitBreaker('b', { registry: null, initialState: saved });
    expect(second.state).toBe('open');
    await expect(second.execute(async () => 1)).rejects.toBeInstanceOf(CircuitOpenError);
    second.dispose();
  });

  it('is shared between policies, e.g. one breaker per provider', async () => {
    const registry = new PolicyRegistry();
    const provider = createCircuitBreaker('openai', {
      registry,
      breaker: { kind: 'consecutive', threshold: 2 },
    });
    const mini = createPolicy('openai.mini', { registry, circuitBreaker: provider });
    const large = createPolicy('openai.large', { registry, circuitBreaker: provider });
    await expect(mini.execute(fail(503))).rejects.toThrow();
    await expect(large.execute(fail(503))).rejects.toThrow();
    await expect(mini.execute(async () => 1)).rejects.toMatchObject({ strategy: 'circuit_breaker' });
    expect(registry.list('circuitBreaker').map(b => b.name)).toEqual(['openai']);
    mini.dispose();
    large.dispose();
    expect(provider.state).toBe('open');
    provider.dispose();
    expect(registry.list('circuitBreaker')).toEqual([]);
  });

  it('supports count and sampling breakers', async () => {
    const count = createCircuitBreaker('c', {
      registry: null,
      breaker: { kind: 'count', threshold: 0.5, size: 4, minimumCalls: 4 },
    });
    await count.execute(async () => 1);
    await expect(count.execute(fail(500))).rejects.toThrow();
    await count.execute(async () => 1);
    expect(count.state).toBe('closed');
    await expect(count.execute(fail(500))).rejects.toThrow();
    await expect(count.execute(fail(500))).rejects.toThrow();
    expect(count.state).toBe('open');
    count.dispose();
    const sampling = createCircuitBreaker('s', {
      registry: null,
      breaker: { kind: 'sampling', threshold: 0.5, durationMs: 1_000, minimumRps: 2 },
    });
    for (let i = 0; i < 3; i++) await expect(sampling.execute(fail(500))).rejects.toThrow();
    expect(sampling.state).toBe('open');
    sampling.dispose();
  });

  it('rejects invalid options naming option, constraint and value', () => {
    expect(() =>
      createCircuitBreaker('b', { breaker: { kind: 'count', threshold: 1.5, size: 0 }, halfOpenAfterMs: -1 }),
    ).toThrow(
      'Invalid options for createCircuitBreaker("b"): options.breaker.threshold must be a number in (0, 1), got 1.5; options.breaker.size must be an integer in [1, 100000], got 0; options.halfOpenAfterMs must be a number in [0, 2147483647], got -1',
    );
    expect(() => createCircuitBreaker('b', { failureCategories: ['server_eror' as 'server_error'] })).toThrow(
      /options\.failureCategories\[0\] must be one of/,
    );
    expect(() => createCircuitBreaker('bad name')).toThrow(/name must be a string of 1-64 characters/);
  });
});
