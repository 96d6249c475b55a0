/**
 * Defects found where stages meet (issue 8 §1), continued from stage-interplay.test.ts: half-open, the bulkhead queue and isolation holds (§1.4-§1.6).
 * Each test failed before its fix.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallCancelledError, createCircuitBreaker, createPolicy } from '../index.js';
import { hangUntilAborted, httpError } from '../test-support/errors.js';

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
