import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPolicy } from '../pipeline/create-policy.js';
import { ATTR_RESILIENCE_POLICY, METRIC_ADAPTIVE_RETRY_MAX_ATTEMPTS } from '../semconv.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { ADAPTIVE_RETRY_DEFAULTS, createAdaptiveRetryLimit } from './adaptive-retry.js';

const record = (limit: { onCallResult(ok: boolean): void }, ok: boolean, times: number) => {
  for (let i = 0; i < times; i++) limit.onCallResult(ok);
};

describe('adaptive retry limit', () => {
  it('pins the defaults: 4 attempts (3 retries), shrink after 5 failures, grow after 10 successes', () => {
    expect(ADAPTIVE_RETRY_DEFAULTS).toEqual({
      maxAttempts: 4,
      shrinkAfterFailures: 5,
      growAfterSuccesses: 10,
    });
    const limit = createAdaptiveRetryLimit('l');
    expect(limit.maxAttempts).toBe(4);
    expect(limit.current()).toBe(3);
    limit.dispose();
  });

  it('shrinks by one attempt per N consecutive failures, down to 1 attempt (no retries)', () => {
    const limit = createAdaptiveRetryLimit('l', { maxAttempts: 3 });
    record(limit, false, 4);
    expect(limit.maxAttempts).toBe(3);
    record(limit, false, 1);
    expect(limit.maxAttempts).toBe(2);
    record(limit, false, 50);
    expect(limit.maxAttempts).toBe(1);
    expect(limit.current()).toBe(0);
    limit.dispose();
  });

  it('grows by one attempt per M consecutive successes, up to twice the configured attempts', () => {
    const limit = createAdaptiveRetryLimit('l', { maxAttempts: 2, growAfterSuccesses: 3 });
    record(limit, true, 2);
    limit.onCallResult(false);
    record(limit, true, 2);
    expect(limit.maxAttempts).toBe(2);
    record(limit, true, 1);
    expect(limit.maxAttempts).toBe(3);
    record(limit, true, 100);
    expect(limit.snapshot()).toEqual({
      name: 'l',
      maxAttempts: 4,
      minAttempts: 1,
      maxAttemptsCeiling: 4,
      consecutiveFailures: 0,
      consecutiveSuccesses: 1,
    });
    limit.dispose();
  });

  it('drives the retry strategy: after a failing streak calls stop retrying', async () => {
    const limit = createAdaptiveRetryLimit('l', { maxAttempts: 2, shrinkAfterFailures: 2 });
    const policy = createPolicy('p', { registry: null, retry: { limit, initialDelayMs: 0 } });
    let attempts = 0;
    const failing = async () => {
      attempts++;
      throw httpError(503);
    };
    for (let i = 0; i < 2; i++) await policy.execute(failing).catch(() => undefined);
    expect(attempts).toBe(4);
    await policy.execute(failing).catch(() => undefined);
    expect(attempts).toBe(5);
    limit.dispose();
  });

  it('rejects bad options naming option, constraint and value', () => {
    expect(() =>
      createAdaptiveRetryLimit('l', { maxAttempts: 0, shrinkAfterFailures: 0, growAfterSuccesses: 1.5 }),
    ).toThrow(
      'Invalid options for createAdaptiveRetryLimit("l"): maxAttempts must be an integer in [1, 1000], got 0; shrinkAfterFailures must be an integer >= 1, got 0; growAfterSuccesses must be an integer >= 1, got 1.5',
    );
  });
});

describe('adaptive retry telemetry', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it('reports the current max attempts as a gauge named after the limit', async () => {
    const limit = createAdaptiveRetryLimit('openai', { maxAttempts: 3, shrinkAfterFailures: 1 });
    limit.onCallResult(false);
    const metric = (await otel.metrics()).get(METRIC_ADAPTIVE_RETRY_MAX_ATTEMPTS);
    expect(metric?.descriptor).toMatchObject({ unit: '{attempt}' });
    expect(await otel.points(METRIC_ADAPTIVE_RETRY_MAX_ATTEMPTS)).toEqual([
      { attributes: { [ATTR_RESILIENCE_POLICY]: 'openai' }, value: 2 },
    ]);
    limit.dispose();
  });
});
