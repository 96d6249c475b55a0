import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { handleAll, retry, wrap } from 'cockatiel';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PolicyRegistry } from '../core/registry.js';
import { createCircuitBreaker } from '../policies/create-circuit-breaker.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_RESILIENCE_ATTEMPT_KIND,
  ATTR_RESILIENCE_ATTEMPT_NUMBER,
  ATTR_RESILIENCE_ERROR_CATEGORY,
  ATTR_RESILIENCE_ERROR_RETRYABLE,
  ATTR_RESILIENCE_ERROR_SEVERITY,
  ATTR_RESILIENCE_OUTCOME,
  ATTR_RESILIENCE_POLICY,
  ATTR_RESILIENCE_RETRY_DELAY_SOURCE,
  ATTR_RESILIENCE_RETRY_REASON,
  EVENT_RETRY,
  EVENT_RETRY_GIVE_UP,
  METRIC_ATTEMPT_DURATION,
  METRIC_CALL_DURATION,
  METRIC_ERRORS,
  METRIC_RETRIES,
  METRIC_RETRY_DELAY,
  METRIC_RETRY_EXHAUSTED,
} from '../semconv.js';
import { failThenSucceed, httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { createPolicy } from './create-policy.js';

describe('createPolicy telemetry', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it('reports a call that needs one attempt as a single call span (no attempt span by default)', async () => {
    const policy = createPolicy('llm.chat', { registry: null, retry: {} });
    await expect(policy.execute(() => 'hi')).resolves.toBe('hi');
    expect(otel.spans().map(s => s.name)).toEqual(['llm.chat']);
  });

  it('reports a successful call as one call span with one attempt child and duration histograms', async () => {
    const policy = createPolicy('llm.chat', { registry: null, retry: {}, attemptSpans: 'always' });
    await expect(policy.execute(() => 'hi')).resolves.toBe('hi');

    const call = otel.span('llm.chat');
    const attempt = otel.span('llm.chat attempt');
    expect(call.kind).toBe(SpanKind.INTERNAL);
    expect(call.attributes).toEqual({ [ATTR_RESILIENCE_POLICY]: 'llm.chat' });
    expect(call.status.code).toBe(SpanStatusCode.UNSET);
    expect(attempt.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
    expect(attempt.attributes).toEqual({
      [ATTR_RESILIENCE_POLICY]: 'llm.chat',
      [ATTR_RESILIENCE_ATTEMPT_NUMBER]: 0,
      [ATTR_RESILIENCE_ATTEMPT_KIND]: 'original',
    });

    const metrics = await otel.metrics();
    expect(metrics.get(METRIC_CALL_DURATION)?.descriptor).toMatchObject({ unit: 's', type: 'HISTOGRAM' });
    expect(await otel.points(METRIC_CALL_DURATION)).toEqual([
      expect.objectContaining({
        attributes: { [ATTR_RESILIENCE_POLICY]: 'llm.chat', [ATTR_RESILIENCE_OUTCOME]: 'success' },
        value: 1,
      }),
    ]);
    expect((await otel.points(METRIC_ATTEMPT_DURATION))[0]?.attributes).toEqual({
      [ATTR_RESILIENCE_POLICY]: 'llm.chat',
      [ATTR_RESILIENCE_ATTEMPT_KIND]: 'original',
      [ATTR_RESILIENCE_OUTCOME]: 'success',
    });
    expect(await otel.total(METRIC_ERRORS)).toBe(0);
  });

  it('keeps a recovered failure on its attempt span, not on the call span (semconv rule)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const { fn } = failThenSucceed(
        [httpError(503, {}, 'upstream sk-proj-abcdefghijklmnop1234 failed')],
        'ok',
      );
      const policy = createPolicy('llm.chat', {
        registry: null,
        retry: { initialDelayMs: 10, jitter: 'none' },
      });
      const result = policy.execute(fn);
      await vi.runAllTimersAsync();
      await expect(result).resolves.toBe('ok');
    } finally {
      vi.useRealTimers();
    }
    const call = otel.span('llm.chat');
    expect(call.status.code).toBe(SpanStatusCode.UNSET);
    expect(call.attributes[ATTR_ERROR_TYPE]).toBeUndefined();
    const retryEvent = call.events.find(e => e.name === EVENT_RETRY);
    expect(retryEvent?.attributes).toMatchObject({
      [ATTR_RESILIENCE_ATTEMPT_NUMBER]: 1,
      [ATTR_RESILIENCE_RETRY_DELAY_SOURCE]: 'backoff',
      [ATTR_RESILIENCE_ERROR_CATEGORY]: 'server_error',
    });
    const [failed, succeeded] = otel
      .spans()
      .filter(s => s.name === 'llm.chat attempt')
      .sort(
        (a, b) =>
          Number(a.attributes[ATTR_RESILIENCE_ATTEMPT_NUMBER]) -
          Number(b.attributes[ATTR_RESILIENCE_ATTEMPT_NUMBER]),
      );
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
    expect(failed?.attributes[ATTR_ERROR_TYPE]).toBe('503');
    const exception = failed?.events.find(e => e.name === 'exception');
    expect(String(exception?.attributes?.['exception.message'])).not.toContain(
      'sk-proj-abcdefghijklmnop1234',
    );
    expect(exception?.attributes?.['exception.stacktrace']).toBeUndefined();
    expect(succeeded?.attributes[ATTR_RESILIENCE_ATTEMPT_KIND]).toBe('retry');
    expect(succeeded?.status.code).toBe(SpanStatusCode.UNSET);

    expect(await otel.points(METRIC_ERRORS)).toEqual([
      expect.objectContaining({
        value: 1,
        attributes: {
          [ATTR_RESILIENCE_POLICY]: 'llm.chat',
          [ATTR_RESILIENCE_ERROR_CATEGORY]: 'server_error',
          [ATTR_ERROR_TYPE]: '503',
          [ATTR_RESILIENCE_ERROR_SEVERITY]: 'medium',
          [ATTR_RESILIENCE_ERROR_RETRYABLE]: true,
        },
      }),
    ]);
    expect(await otel.total(METRIC_RETRIES, { [ATTR_RESILIENCE_ERROR_CATEGORY]: 'server_error' })).toBe(1);
    const delay = await otel.points(METRIC_RETRY_DELAY);
    expect(delay[0]).toMatchObject({ value: 1, sum: 0.01 });
    expect(await otel.total(METRIC_CALL_DURATION, { [ATTR_RESILIENCE_OUTCOME]: 'success' })).toBe(1);
  });

  it('records the original attempt span of a retried call afterwards, with its real start and end', async () => {
    const { fn } = failThenSucceed([httpError(503)], 'ok');
    const policy = createPolicy('llm.chat', { registry: null, retry: { initialDelayMs: 5, jitter: 'none' } });
    await policy.execute(async input => {
      await new Promise(resolve => setTimeout(resolve, 5));
      return fn(input);
    });
    const call = otel.span('llm.chat');
    const [original, retry] = otel
      .spans()
      .filter(s => s.name === 'llm.chat attempt')
      .sort((a, b) => hrTimeToMilliseconds(a.startTime) - hrTimeToMilliseconds(b.startTime));
    const ms = hrTimeToMilliseconds;
    expect(original?.attributes[ATTR_RESILIENCE_ATTEMPT_NUMBER]).toBe(0);
    expect(original?.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
    expect(ms(original!.startTime)).toBeGreaterThanOrEqual(ms(call.startTime) - 1);
    expect(ms(original!.endTime) - ms(original!.startTime)).toBeGreaterThanOrEqual(4);
    expect(ms(original!.endTime)).toBeLessThanOrEqual(ms(retry!.startTime) + 1);
  });

  it('marks a finally failed call span ERROR with error.type and counts the give-up reason', async () => {
    const policy = createPolicy('llm.chat', { registry: null, retry: {} });
    await expect(policy.execute(() => Promise.reject(httpError(401)))).rejects.toThrow();
    const call = otel.span('llm.chat');
    expect(call.status.code).toBe(SpanStatusCode.ERROR);
    expect(call.attributes[ATTR_ERROR_TYPE]).toBe('401');
    expect(call.events.find(e => e.name === EVENT_RETRY_GIVE_UP)?.attributes).toMatchObject({
      [ATTR_RESILIENCE_RETRY_REASON]: 'non_retryable',
    });
    expect(
      await otel.points(METRIC_RETRY_EXHAUSTED, {
        [ATTR_RESILIENCE_RETRY_REASON]: 'non_retryable',
        [ATTR_RESILIENCE_ERROR_CATEGORY]: 'authentication',
      }),
    ).toHaveLength(1);
    expect(
      await otel.points(METRIC_CALL_DURATION, {
        [ATTR_RESILIENCE_OUTCOME]: 'failure',
        [ATTR_ERROR_TYPE]: '401',
      }),
    ).toHaveLength(1);
  });

  it('reports fallbacks as outcome fallback with an OK call span', async () => {
    const policy = createPolicy('llm.chat', { registry: null, fallback: { value: 'sorry' } });
    await policy.execute(() => Promise.reject(httpError(500)));
    expect(otel.span('llm.chat').status.code).toBe(SpanStatusCode.UNSET);
    expect(await otel.total(METRIC_CALL_DURATION, { [ATTR_RESILIENCE_OUTCOME]: 'fallback' })).toBe(1);
  });

  it('lets the agent layer name the call span and add attributes', async () => {
    const policy = createPolicy('model.gpt', { registry: null });
    await policy.execute(() => 1, {
      span: { name: 'chat gpt-4o', kind: SpanKind.CLIENT, attributes: { 'x.y': 'z' } },
    });
    const span = otel.span('chat gpt-4o');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.attributes).toMatchObject({ [ATTR_RESILIENCE_POLICY]: 'model.gpt', 'x.y': 'z' });
  });
});

describe('createPolicy without an OpenTelemetry SDK', () => {
  it('works with the no-op API', async () => {
    const policy = createPolicy('plain', { registry: null, retry: { maxRetries: 0 } });
    await expect(policy.execute(({ attempt }) => attempt)).resolves.toBe(0);
  });
});

describe('createPolicy behaviour', () => {
  it('turns a synchronous throw into a classified failure', async () => {
    const policy = createPolicy('p', { registry: null });
    const error = await policy
      .execute(() => {
        throw new TypeError('x is not a function');
      })
      .catch(e => e);
    expect(error.classified.category).toBe('programming');
  });

  it('telemetry failures never change the outcome of a call', async () => {
    const { metrics } = await import('@opentelemetry/api');
    const broken = {
      getMeter: () => {
        const thrower = () => {
          throw new Error('exporter exploded');
        };
        const instrument = { add: thrower, record: thrower, addCallback: () => {}, removeCallback: () => {} };
        return {
          createCounter: () => instrument,
          createHistogram: () => instrument,
          createObservableGauge: () => instrument,
        };
      },
    };
    metrics.setGlobalMeterProvider(broken as never);
    try {
      const policy = createPolicy('p', {
        registry: null,
        retry: { maxRetries: 1, initialDelayMs: 0 },
        fallback: { value: 'fb' },
      });
      await expect(policy.execute(() => 'ok')).resolves.toBe('ok');
      await expect(policy.execute(() => Promise.reject(httpError(503)))).resolves.toBe('fb');
    } finally {
      metrics.disable();
    }
  });

  it('a tracer that throws never changes the outcome of a call', async () => {
    const { trace } = await import('@opentelemetry/api');
    const thrower = () => {
      throw new Error('tracer exploded');
    };
    trace.setGlobalTracerProvider({
      getTracer: () => ({ startSpan: thrower, startActiveSpan: thrower }),
    } as never);
    try {
      const policy = createPolicy('p', { registry: null, retry: { maxRetries: 1, initialDelayMs: 0 } });
      await expect(policy.execute(() => 'ok')).resolves.toBe('ok');
      await expect(policy.execute(() => Promise.reject(httpError(400)))).rejects.toMatchObject({
        reason: 'non_retryable',
      });
    } finally {
      trace.disable();
    }
  });

  it('registers by name, refuses duplicates and frees the name on dispose', () => {
    const registry = new PolicyRegistry();
    const first = createPolicy('dup', { registry, circuitBreaker: {} });
    expect(() => createPolicy('dup', { registry })).toThrow(/A policy named "dup" is already registered/);
    expect(registry.get('circuitBreaker', 'dup')).toBe(first.circuitBreaker);
    first.dispose();
    expect(registry.list('policy')).toEqual([]);
    expect(registry.list('circuitBreaker')).toEqual([]);
    createPolicy('dup', { registry }).dispose();
  });

  it('is a cockatiel IPolicy: composes with wrap() and fires onSuccess/onFailure', async () => {
    const policy = createPolicy('p', { registry: null });
    const successes: number[] = [];
    const failures: unknown[] = [];
    policy.onSuccess(e => successes.push(e.duration));
    policy.onFailure(e => failures.push(e.reason));
    const wrapped = wrap(retry(handleAll, { maxAttempts: 1 }), policy);
    await expect(wrapped.execute(() => 'ok')).resolves.toBe('ok');
    await expect(wrapped.execute(() => Promise.reject(httpError(500)))).rejects.toThrow();
    expect(successes).toHaveLength(1);
    expect(failures).toHaveLength(2);
  });

  it('validates the name and rejects unknown options', () => {
    expect(() => createPolicy('has space')).toThrow(
      'Invalid options for createPolicy("has space"): name must be a string of 1-64 characters from [A-Za-z0-9_.:-], got "has space"',
    );
    expect(() => createPolicy('p', { retries: 3 } as never)).toThrow(/: retries is not a known option/);
    const shared = createCircuitBreaker('shared.cb', { registry: null });
    expect(() => createPolicy('p', { registry: null, circuitBreaker: shared })).not.toThrow();
    shared.dispose();
  });
});
