import {
  diag,
  type Meter,
  metrics,
  type Span,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCircuitBreaker, createPolicy, createRecoveryManager, createRetryBudget } from '../index.js';
import { METRICS } from '../semconv.js';
import { captureDiagErrors } from '../test-support/diag.js';
import { failThenSucceed, httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { currentTelemetry } from './telemetry.js';

// Issue 8 item 7: a throwing meter or tracer provider made `execute()` throw synchronously, and so did building a
// breaker, budget or ramp (they bind their gauges at construction). Telemetry never changes an outcome.

const thrower =
  (what: string) =>
  (..._args: unknown[]): never => {
    throw new Error(`${what} exploded`);
  };

/** `target` with some members replaced (the others bound to `target`). */
function overriding<T extends object>(target: T, overrides: Record<PropertyKey, unknown>): T {
  return new Proxy(target, {
    get: (t, key) => {
      if (key in overrides) return overrides[key];
      const value: unknown = Reflect.get(t, key);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

/** Installs the real SDK, then re-registers its meter provider with meters whose `overrides` misbehave. */
function realSdkWithBrokenMeter(overrides: Partial<Record<keyof Meter, unknown>>): TestTelemetry {
  const telemetry = new TestTelemetry().install();
  const real = metrics.getMeterProvider();
  metrics.disable();
  metrics.setGlobalMeterProvider({
    getMeter: (...args) => overriding(real.getMeter(...args), overrides),
  });
  return telemetry;
}

/** Builds every gauge-backed object and runs a success, a recovered failure and a fallback through a policy. */
async function exerciseEverything(): Promise<void> {
  const breaker = createCircuitBreaker('t.breaker', { registry: null });
  const budget = createRetryBudget('t.budget', { registry: null });
  const recovery = createRecoveryManager('t.recovery', { registry: null });
  const policy = createPolicy('t.policy', {
    registry: null,
    retry: { maxRetries: 1, initialDelayMs: 0 },
    circuitBreaker: { breaker: { kind: 'consecutive', threshold: 5 } },
    fallback: { value: 'fb' },
  });
  try {
    await expect(policy.execute(() => 'ok')).resolves.toBe('ok');
    await expect(policy.execute(failThenSucceed([httpError(503)], 'recovered').fn)).resolves.toBe(
      'recovered',
    );
    await expect(policy.execute(() => Promise.reject(httpError(503)))).resolves.toBe('fb');
  } finally {
    policy.dispose();
    breaker.dispose();
    budget.dispose();
    recovery.dispose();
  }
}

const INSTRUMENT_COUNT = Object.keys(METRICS).length;
const namesOfKind = (kind: string) =>
  Object.values(METRICS)
    .filter(d => d.kind === kind)
    .map(d => d.name);

describe('currentTelemetry with a broken provider', () => {
  let telemetry: TestTelemetry | undefined;
  afterEach(async () => {
    await telemetry?.uninstall();
    telemetry = undefined;
    metrics.disable();
    trace.disable();
    diag.disable();
  });

  it('falls back to no-op instruments when getMeter throws, and reports it once', async () => {
    const errors = captureDiagErrors();
    const getMeter = vi.fn(thrower('getMeter'));
    metrics.setGlobalMeterProvider({ getMeter });

    await exerciseEverything();
    await exerciseEverything();

    expect(currentTelemetry().metricsEnabled).toBe(false);
    expect(getMeter).toHaveBeenCalledTimes(1);
    expect(errors).toEqual([
      'agent-resilience: resolving the meter failed; metrics are off for this provider',
    ]);
  });

  it.each([
    ['createCounter', 'counter', METRICS.callDuration.name],
    ['createHistogram', 'histogram', METRICS.errors.name],
    ['createObservableGauge', 'gauge', METRICS.callDuration.name],
  ] as const)(
    'keeps the other instruments when %s throws, and reports it once',
    async (method, kind, working) => {
      const errors = captureDiagErrors();
      telemetry = realSdkWithBrokenMeter({ [method]: thrower(method) });

      await exerciseEverything();
      await exerciseEverything();

      const failed = namesOfKind(kind);
      expect(errors).toEqual([
        `agent-resilience: creating ${failed.length} of ${INSTRUMENT_COUNT} instruments failed (${failed.join(', ')}); they record nothing`,
      ]);
      expect(await telemetry.total(working, { 'resilience.policy': 't.policy' })).toBeGreaterThan(0);
    },
  );

  it('keeps the other instruments when addCallback throws, and reports it once', async () => {
    const errors = captureDiagErrors();
    const gauge = { addCallback: thrower('addCallback'), removeCallback: () => {} };
    telemetry = realSdkWithBrokenMeter({ createObservableGauge: () => gauge });

    await exerciseEverything();
    await exerciseEverything();

    expect(errors).toEqual([
      `agent-resilience: creating ${namesOfKind('gauge').length} of ${INSTRUMENT_COUNT} instruments failed (${namesOfKind('gauge').join(', ')}); they record nothing`,
    ]);
    expect(await telemetry.total(METRICS.errors.name)).toBeGreaterThan(0);
  });

  it('replaces instruments the meter returns unusable with ones that record nothing', async () => {
    const errors = captureDiagErrors();
    telemetry = realSdkWithBrokenMeter({ createCounter: () => undefined, createHistogram: () => ({}) });

    expect(() => currentTelemetry().instruments.errors.add(1)).not.toThrow();
    expect(() => currentTelemetry().instruments.callDuration.record(1)).not.toThrow();
    await exerciseEverything();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`; they record nothing`);
  });

  it('falls back to no-op instruments when getMeter returns no meter', async () => {
    const errors = captureDiagErrors();
    metrics.setGlobalMeterProvider({ getMeter: () => undefined as never });

    await exerciseEverything();

    expect(currentTelemetry().metricsEnabled).toBe(false);
    expect(errors).toEqual([
      'agent-resilience: resolving the meter failed; metrics are off for this provider',
    ]);
  });

  it.each([
    ['throws', thrower('getTracer')],
    ['returns no tracer', () => undefined],
  ])('falls back to a no-op tracer when getTracer %s, and reports it once', async (_, getTracer) => {
    const errors = captureDiagErrors();
    const spy = vi.fn(getTracer);
    trace.setGlobalTracerProvider({ getTracer: spy } as unknown as TracerProvider);

    await exerciseEverything();
    await exerciseEverything();

    expect(currentTelemetry().tracingEnabled).toBe(false);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(errors).toEqual([
      'agent-resilience: resolving the tracer failed; tracing is off for this provider',
    ]);
  });

  it('picks up a working provider registered after a broken one', async () => {
    captureDiagErrors();
    metrics.setGlobalMeterProvider({ getMeter: thrower('getMeter') });
    trace.setGlobalTracerProvider({ getTracer: thrower('getTracer') } as TracerProvider);
    await exerciseEverything();
    metrics.disable();
    trace.disable();

    telemetry = new TestTelemetry().install();
    const policy = createPolicy('t.later', { registry: null });
    await expect(policy.execute(() => 'ok')).resolves.toBe('ok');
    policy.dispose();
    expect(await telemetry.total(METRICS.callDuration.name, { 'resilience.policy': 't.later' })).toBe(1);
    expect(telemetry.span('t.later').name).toBe('t.later');
  });

  // `setAttributes` is only called for `span.resultAttributes`.
  it.each([
    'end',
    'setAttribute',
    'addEvent',
    'setStatus',
    'recordException',
    'spanContext',
    'isRecording',
  ] as const)('a span whose %s throws never changes an outcome', async method => {
    captureDiagErrors();
    telemetry = new TestTelemetry().install();
    const real = trace.getTracerProvider();
    let thrown = 0;
    const broken = (...args: unknown[]) => {
      thrown++;
      thrower(method)(...args);
    };
    trace.disable();
    trace.setGlobalTracerProvider({
      getTracer: (...args) =>
        overriding<Tracer>(real.getTracer(...args), {
          startSpan: (...spanArgs: Parameters<Tracer['startSpan']>) =>
            overriding<Span>(real.getTracer(...args).startSpan(...spanArgs), { [method]: broken }),
        }),
    });

    await exerciseEverything();

    expect(thrown).toBeGreaterThan(0);
  });
});
