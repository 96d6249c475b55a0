import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PolicyRegistry } from '../core/registry.js';
import { CallRejectedError } from '../errors/call-errors.js';
import { ExecutionRejectedError } from '../errors/signals.js';
import { createPolicy } from '../pipeline/create-policy.js';
import { createCircuitBreaker } from '../policies/create-circuit-breaker.js';
import { httpError } from '../test-support/errors.js';
import { createRecoveryManager } from './create-recovery-manager.js';
import type { RecoveryTransition } from './recovery-manager.js';
import { RECOVERY_DEFAULTS } from './recovery-options.js';

const fail = () => Promise.reject(httpError(503));
const ok = () => Promise.resolve('ok');

describe('recovery manager', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('pins the defaults', () => {
    expect(RECOVERY_DEFAULTS).toMatchObject({
      healthCheckIntervalMs: 10_000,
      healthCheckTimeoutMs: 5_000,
      unhealthyThreshold: 3,
      failedThreshold: 10,
      healthyThreshold: 3,
      failureThreshold: 5,
      successThreshold: 3,
      degradedTrafficRatio: 1,
    });
  });

  it('health checks: 3 failures degrade, 10 fail (all shed), 3 passes start the ramp, the ramp ends healthy', async () => {
    let healthy = false;
    const manager = createRecoveryManager('llm', {
      registry: null,
      healthCheck: async () => healthy,
      healthCheckIntervalMs: 1_000,
      ramp: { kind: 'steps', steps: [0.5], stepMs: 5_000 },
    });
    const seen: RecoveryTransition[] = [];
    manager.onStateChange(t => seen.push(t));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(manager.state).toBe('healthy');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(manager.state).toBe('degraded');
    expect(manager.trafficRatio).toBe(1);
    await vi.advanceTimersByTimeAsync(7_000);
    expect(manager.state).toBe('failed');
    expect(manager.trafficRatio).toBe(0);
    const fn = vi.fn(ok);
    await expect(manager.execute(fn)).rejects.toBeInstanceOf(ExecutionRejectedError);
    expect(fn).not.toHaveBeenCalled();
    healthy = true;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(manager.state).toBe('recovering');
    expect(manager.trafficRatio).toBe(0.5);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(manager.state).toBe('healthy');
    expect(seen.map(t => `${t.from}->${t.to}:${t.trigger}`)).toEqual([
      'healthy->degraded:health_check',
      'degraded->failed:health_check',
      'failed->recovering:health_check',
      'recovering->healthy:ramp_complete',
    ]);
    expect(manager.snapshot()).toMatchObject({
      name: 'llm',
      state: 'healthy',
      trafficRatio: 1,
      consecutiveCheckPasses: 8,
      lastHealthCheck: { healthy: true, failure: null },
      shed: 1,
    });
    manager.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('call outcomes: 5 failures degrade, 3 successes start the ramp, a failure while recovering degrades', async () => {
    const manager = createRecoveryManager('llm', {
      registry: null,
      ramp: { kind: 'steps', steps: [1], stepMs: 1_000 },
    });
    for (let i = 0; i < 4; i++) await manager.execute(fail).catch(() => undefined);
    expect(manager.state).toBe('healthy');
    await manager.execute(fail).catch(() => undefined);
    expect(manager.state).toBe('degraded');
    await manager.execute(ok);
    await manager.execute(ok);
    expect(manager.state).toBe('degraded');
    await manager.execute(ok);
    expect(manager.state).toBe('recovering');
    await manager.execute(fail).catch(() => undefined);
    expect(manager.state).toBe('degraded');
    // Validation errors and cancellations say nothing about the downstream.
    for (let i = 0; i < 3; i++) await manager.execute(ok);
    for (let i = 0; i < 10; i++)
      await manager.execute(() => Promise.reject(httpError(400))).catch(() => undefined);
    expect(manager.state).toBe('recovering');
    vi.advanceTimersByTime(1_000);
    expect(manager.state).toBe('healthy');
    manager.dispose();
  });

  it('follows a circuit breaker: open degrades, the half-open probe is admitted, closing starts the ramp', async () => {
    const breaker = createCircuitBreaker('provider', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
      halfOpenAfterMs: 1_000,
    });
    const policy = createPolicy('provider.chat', {
      registry: null,
      circuitBreaker: breaker,
      recovery: { degradedTrafficRatio: 0.01, random: () => 0.99 },
    });
    expect(policy.recovery?.snapshot().circuitBreaker).toBe('provider');
    await expect(policy.execute(fail)).rejects.toThrow();
    expect(breaker.state).toBe('open');
    expect(policy.recovery?.state).toBe('degraded');
    vi.advanceTimersByTime(1_000);
    await expect(policy.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(policy.recovery?.state).toBe('recovering');
    expect(policy.recovery?.trafficRatio).toBe(0.1);
    const shed = await policy.execute(ok).catch(e => e);
    expect(shed).toBeInstanceOf(CallRejectedError);
    expect(shed).toMatchObject({ strategy: 'recovery', reason: 'rejected', attempts: 0 });
    expect(breaker.state).toBe('closed');
    policy.dispose();
    breaker.dispose();
  });

  it('serves shed calls from the fallback, and never retries them', async () => {
    let random = 0.5;
    const policy = createPolicy('p', {
      registry: null,
      retry: { maxRetries: 3, initialDelayMs: 0 },
      recovery: {
        failureThreshold: 1,
        successThreshold: 1,
        random: () => random,
        ramp: { kind: 'steps', steps: [0.25] },
      },
      fallback: { value: 'fallback' },
    });
    const fn = vi.fn(ok);
    const failing = policy.execute(fail);
    await vi.runAllTimersAsync();
    await expect(failing).resolves.toBe('fallback');
    expect(policy.recovery?.state).toBe('degraded');
    await expect(policy.execute(fn)).resolves.toBe('ok');
    expect(policy.recovery?.state).toBe('recovering');
    await expect(policy.execute(fn)).resolves.toBe('fallback');
    random = 0.1;
    await expect(policy.execute(fn)).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(2);
    policy.dispose();
  });

  it('joins the registry; dispose stops checks and leaves it; reset() forces healthy', async () => {
    const registry = new PolicyRegistry();
    const manager = createRecoveryManager('openai', {
      registry,
      healthCheck: async () => false,
      healthCheckIntervalMs: 10,
    });
    expect(registry.list('recovery')).toEqual([manager]);
    await vi.advanceTimersByTimeAsync(30);
    expect(manager.state).toBe('degraded');
    manager.reset();
    expect(manager.snapshot()).toMatchObject({ state: 'healthy', lastTransition: { trigger: 'manual' } });
    await expect(manager.runHealthCheck()).resolves.toBe(false);
    manager.dispose();
    expect(registry.list('recovery')).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    const inline = createPolicy('inline', { registry, recovery: {} });
    expect(registry.get('recovery', 'inline')).toBe(inline.recovery);
    inline.dispose();
    expect(registry.list('recovery')).toEqual([]);
    await expect(createRecoveryManager('x', { registry: null }).runHealthCheck()).rejects.toThrow(
      /no healthCheck/,
    );
  });

  it('rejects bad options naming option, constraint and value', () => {
    expect(() =>
      createRecoveryManager('r', {
        degradedTrafficRatio: 0,
        healthCheckIntervalMs: 0,
        unhealthyThreshold: 4,
        failedThreshold: 3,
        successThreshold: 0,
      }),
    ).toThrow(
      'Invalid options for createRecoveryManager("r"): healthCheckIntervalMs must be a number in (0, 2147483647], got 0; successThreshold must be an integer >= 1, got 0; failedThreshold must be an integer >= 4, got 3; degradedTrafficRatio must be a number in (0, 1], got 0',
    );
    expect(() => createRecoveryManager('r', { ramp: { kind: 'steps', steps: 0 } })).toThrow(
      /ramp\.steps must be an integer in \[1, 1000\], got 0/,
    );
    expect(() => createPolicy('p', { recovery: { healthCheck: 'yes' as never } })).toThrow(
      /recovery\.healthCheck must be a function/,
    );
    expect(() => createRecoveryManager('r', { circuitBreaker: {} as never })).toThrow(
      /circuitBreaker must be a CircuitBreaker/,
    );
  });
});
