import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitOpenError } from '../errors/signals.js';
import { createPolicy } from '../pipeline/create-policy.js';
import {
  ATTR_RESILIENCE_CIRCUIT_BREAKER_PREVIOUS_STATE,
  ATTR_RESILIENCE_CIRCUIT_BREAKER_STATE,
  ATTR_RESILIENCE_POLICY,
  ATTR_RESILIENCE_STRATEGY,
  METRIC_CIRCUIT_BREAKER_TRANSITIONS,
  METRIC_REJECTIONS,
} from '../semconv.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { createCircuitBreaker } from './create-circuit-breaker.js';

const fail = () => Promise.reject(httpError(503));

describe('hierarchical circuit breakers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const family = (isolateChildren = false) => {
    const provider = createCircuitBreaker('openai', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 2 },
      halfOpenAfterMs: 1_000,
      isolateChildren,
    });
    const mini = createCircuitBreaker('openai.mini', { registry: null, parent: provider });
    const large = createCircuitBreaker('openai.large', { registry: null, parent: provider });
    return { provider, mini, large };
  };

  it("children's failures count for the parent; an open parent rejects every child's calls without touching them", async () => {
    const { provider, mini, large } = family();
    await expect(mini.execute(fail)).rejects.toThrow();
    await expect(mini.execute(fail)).rejects.toThrow();
    expect(provider.state).toBe('open');
    expect(mini.state).toBe('closed');
    const fn = vi.fn(async () => 'never');
    const error = await large.execute(fn).catch(e => e);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error.breaker).toBe('openai');
    expect(fn).not.toHaveBeenCalled();
    expect(large.snapshot()).toMatchObject({ calls: 0, rejections: 0, parent: 'openai', children: [] });
    expect(provider.snapshot()).toMatchObject({
      calls: 3,
      failures: 2,
      rejections: 1,
      parent: null,
      children: ['openai.large', 'openai.mini'],
    });
    vi.advanceTimersByTime(1_000);
    await expect(large.execute(async () => 'probe')).resolves.toBe('probe');
    expect(provider.state).toBe('closed');
    for (const b of [mini, large, provider]) b.dispose();
    expect(provider.snapshot().children).toEqual([]);
  });

  it('a child opening does not open the parent or its siblings', async () => {
    const provider = createCircuitBreaker('p', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 10 },
    });
    const a = createCircuitBreaker('p.a', {
      registry: null,
      parent: provider,
      breaker: { kind: 'consecutive', threshold: 1 },
    });
    const b = createCircuitBreaker('p.b', { registry: null, parent: provider });
    await expect(a.execute(fail)).rejects.toThrow();
    expect(a.state).toBe('open');
    await expect(a.execute(async () => 1)).rejects.toMatchObject({ breaker: 'p.a' });
    await expect(b.execute(async () => 2)).resolves.toBe(2);
    expect(provider.state).toBe('closed');
    for (const x of [a, b, provider]) x.dispose();
  });

  it('isolateChildren holds the children isolated while the parent is open and releases them for the probe', async () => {
    const { provider, mini, large } = family(true);
    await expect(mini.execute(fail)).rejects.toThrow();
    await expect(large.execute(fail)).rejects.toThrow();
    expect([provider.state, mini.state, large.state]).toEqual(['open', 'isolated', 'isolated']);
    const late = createCircuitBreaker('openai.late', { registry: null, parent: provider });
    expect(late.state).toBe('isolated');
    vi.advanceTimersByTime(1_000);
    await expect(mini.execute(async () => 'probe')).resolves.toBe('probe');
    expect([provider.state, mini.state, large.state, late.state]).toEqual([
      'closed',
      'closed',
      'closed',
      'closed',
    ]);
    for (const b of [late, mini, large, provider]) b.dispose();
  });

  it('works inline in createPolicy (circuitBreaker: { parent }) and validates the parent', async () => {
    const { provider, mini, large } = family();
    const policy = createPolicy('openai.gpt-4o', { registry: null, circuitBreaker: { parent: provider } });
    await expect(policy.execute(fail)).rejects.toThrow();
    await expect(policy.execute(fail)).rejects.toThrow();
    await expect(policy.execute(async () => 1)).rejects.toMatchObject({ strategy: 'circuit_breaker' });
    expect(policy.circuitBreaker?.snapshot().parent).toBe('openai');
    policy.dispose();
    expect(provider.snapshot().children).toEqual(['openai.large', 'openai.mini']);
    expect(() => createCircuitBreaker('x', { parent: {} as never })).toThrow(
      /options\.parent must be a CircuitBreaker/,
    );
    expect(() => createCircuitBreaker('x', { isolateChildren: 'yes' as never })).toThrow(
      /options\.isolateChildren must be a boolean/,
    );
    for (const b of [mini, large, provider]) b.dispose();
  });
});

describe('hierarchical circuit breaker telemetry', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it('reports each transition and rejection under the resilience.policy of the breaker that acted', async () => {
    const provider = createCircuitBreaker('anthropic', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
      isolateChildren: true,
    });
    const haiku = createCircuitBreaker('anthropic.haiku', { registry: null, parent: provider });
    await expect(haiku.execute(fail)).rejects.toThrow();
    await expect(haiku.execute(async () => 1)).rejects.toThrow(CircuitOpenError);
    const transition = (policy: string, from: string, to: string) => ({
      attributes: {
        [ATTR_RESILIENCE_POLICY]: policy,
        [ATTR_RESILIENCE_CIRCUIT_BREAKER_PREVIOUS_STATE]: from,
        [ATTR_RESILIENCE_CIRCUIT_BREAKER_STATE]: to,
      },
      value: 1,
    });
    const transitions = await otel.points(METRIC_CIRCUIT_BREAKER_TRANSITIONS);
    expect(transitions.filter(p => p.value > 0)).toEqual(
      expect.arrayContaining([
        transition('anthropic.haiku', 'closed', 'isolated'),
        transition('anthropic', 'closed', 'open'),
      ]),
    );
    expect(transitions.filter(p => p.value > 0)).toHaveLength(2);
    // Every breaker starts its closed → open series at 0, so alerts' increase() sees the first opening.
    expect(transitions.filter(p => p.value === 0).map(p => p.attributes[ATTR_RESILIENCE_POLICY])).toEqual([
      'anthropic.haiku',
    ]);
    expect(await otel.points(METRIC_REJECTIONS)).toEqual([
      {
        attributes: { [ATTR_RESILIENCE_POLICY]: 'anthropic', [ATTR_RESILIENCE_STRATEGY]: 'circuit_breaker' },
        value: 1,
      },
    ]);
    haiku.dispose();
    provider.dispose();
  });
});
