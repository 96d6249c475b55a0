import { SpanStatusCode } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyRegistry } from '../core/registry.js';
import { RetriesExhaustedError } from '../errors/call-errors.js';
import { createPolicy } from '../pipeline/create-policy.js';
import {
  ATTR_RESILIENCE_POLICY,
  ATTR_RESILIENCE_RETRY_BUDGET,
  ATTR_RESILIENCE_RETRY_REASON,
  ATTR_RESILIENCE_STRATEGY,
  EVENT_REJECTION,
  METRIC_REJECTIONS,
  METRIC_RETRY_BUDGET_AVAILABLE,
  METRIC_RETRY_BUDGET_CAPACITY,
  METRIC_RETRY_EXHAUSTED,
} from '../semconv.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { createRetryBudget } from './retry-budget.js';
import { RETRY_BUDGET_DEFAULTS } from './retry-budget-options.js';

const clock = () => {
  let t = 0;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
};

describe('sliding-window retry budget (Finagle)', () => {
  it('pins the defaults: 20 % of calls plus 10 retries/s over 10 s', () => {
    expect(RETRY_BUDGET_DEFAULTS).toEqual({
      kind: 'sliding_window',
      ratio: 0.2,
      minPerSecond: 10,
      windowMs: 10_000,
      buckets: 10,
      maxTokens: 10,
      tokenRatio: 0.1,
    });
    const budget = createRetryBudget('b', { registry: null, now: () => 0 });
    expect(budget.capacity).toBe(100);
    for (let i = 0; i < 1_000; i++) budget.onCall();
    expect(budget.capacity).toBe(300);
    budget.dispose();
  });

  it('allows retries while retries <= ratio x calls + minPerSecond x window, then denies', () => {
    const c = clock();
    const budget = createRetryBudget('b', {
      registry: null,
      ratio: 0.5,
      minPerSecond: 1,
      windowMs: 2_000,
      now: c.now,
    });
    expect(budget.available).toBe(2);
    for (let i = 0; i < 4; i++) budget.onCall();
    expect(budget.available).toBe(4);
    for (let i = 0; i < 4; i++) expect(budget.tryAcquireRetry()).toBe(true);
    expect(budget.tryAcquireRetry()).toBe(false);
    expect(budget.available).toBe(0);
    budget.onCall();
    budget.onCall();
    expect(budget.tryAcquireRetry()).toBe(true);
    expect(budget.snapshot()).toEqual({
      name: 'b',
      kind: 'sliding_window',
      available: 0,
      capacity: 5,
      requests: 6,
      retries: 5,
      denied: 1,
      config: { ratio: 0.5, minPerSecond: 1, windowMs: 2_000 },
    });
    budget.dispose();
  });

  it('forgets calls and retries one bucket at a time as the window slides', () => {
    const c = clock();
    const budget = createRetryBudget('b', {
      registry: null,
      ratio: 1,
      minPerSecond: 0,
      windowMs: 1_000,
      buckets: 10,
      now: c.now,
    });
    for (let i = 0; i < 3; i++) budget.onCall();
    c.advance(500);
    budget.onCall();
    expect(budget.snapshot().requests).toBe(4);
    for (let i = 0; i < 4; i++) expect(budget.tryAcquireRetry()).toBe(true);
    expect(budget.tryAcquireRetry()).toBe(false);
    c.advance(500);
    // The first three calls (and nothing else) left the window.
    expect(budget.snapshot()).toMatchObject({ requests: 1, retries: 4, available: 0 });
    c.advance(500);
    expect(budget.snapshot()).toMatchObject({ requests: 0, retries: 0, available: 0 });
    c.advance(60_000);
    budget.onCall();
    expect(budget.tryAcquireRetry()).toBe(true);
    budget.dispose();
  });
});

describe('token-bucket retry budget (gRPC throttling)', () => {
  it('takes a token per failed attempt, returns tokenRatio per success, retries only above half', () => {
    const budget = createRetryBudget('g', { registry: null, kind: 'token_bucket' });
    expect(budget.capacity).toBe(5);
    expect(budget.available).toBe(5);
    expect(budget.tryAcquireRetry()).toBe(true);
    for (let i = 0; i < 5; i++) budget.onAttemptResult(false);
    expect(budget.available).toBe(0);
    expect(budget.tryAcquireRetry()).toBe(false);
    budget.onAttemptResult(true);
    expect(budget.available).toBe(1);
    expect(budget.tryAcquireRetry()).toBe(true);
    for (let i = 0; i < 20; i++) budget.onAttemptResult(false);
    expect(budget.snapshot()).toMatchObject({ kind: 'token_bucket', tokens: 0, denied: 1, retries: 2 });
    for (let i = 0; i < 1_000; i++) budget.onAttemptResult(true);
    expect(budget.snapshot().tokens).toBe(10);
    budget.dispose();
  });
});

describe('retry budget validation and registry', () => {
  it('rejects bad options naming option, constraint and value', () => {
    expect(() => createRetryBudget('b', { ratio: 0, minPerSecond: -1, windowMs: 0, buckets: 0.5 })).toThrow(
      'Invalid options for createRetryBudget("b"): ratio must be a number in (0, 1], got 0; minPerSecond must be a number >= 0, got -1; windowMs must be a number in (0, 2147483647], got 0; buckets must be an integer in [1, 1000], got 0.5',
    );
    expect(() => createRetryBudget('b', { ratio: 1.5 })).toThrow(
      /ratio must be a number in \(0, 1\], got 1.5/,
    );
    expect(() => createRetryBudget('b', { kind: 'token_bucket', maxTokens: 0, tokenRatio: 2 })).toThrow(
      'Invalid options for createRetryBudget("b"): maxTokens must be a number in (0, 1000], got 0; tokenRatio must be a number in (0, 1], got 2',
    );
    expect(() => createRetryBudget('b', { kind: 'token_bucket', ratio: 0.2 } as never)).toThrow(
      /ratio is not a known option/,
    );
    expect(() => createRetryBudget('no spaces')).toThrow(/name must be a string of 1-64 characters/);
  });

  it('joins the registry under its name and leaves it on dispose', () => {
    const registry = new PolicyRegistry();
    const budget = createRetryBudget('global', { registry });
    expect(registry.list('retryBudget')).toEqual([budget]);
    expect(() => createRetryBudget('global', { registry })).toThrow(/already registered/);
    budget.dispose();
    expect(registry.list('retryBudget')).toEqual([]);
  });
});

describe('retry budget telemetry', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it('reports available and capacity gauges by budget name', async () => {
    const budget = createRetryBudget('llm', { registry: null, now: () => 0 });
    for (let i = 0; i < 50; i++) budget.onCall();
    budget.tryAcquireRetry();
    const metrics = await otel.metrics();
    expect(metrics.get(METRIC_RETRY_BUDGET_AVAILABLE)?.descriptor).toMatchObject({ unit: '{retry}' });
    expect(await otel.points(METRIC_RETRY_BUDGET_AVAILABLE)).toEqual([
      { attributes: { [ATTR_RESILIENCE_RETRY_BUDGET]: 'llm' }, value: 109 },
    ]);
    expect(await otel.points(METRIC_RETRY_BUDGET_CAPACITY)).toEqual([
      { attributes: { [ATTR_RESILIENCE_RETRY_BUDGET]: 'llm' }, value: 110 },
    ]);
    budget.dispose();
  });

  it('a denied retry ends the call with budget_exhausted, a rejection count and a span event', async () => {
    const budget = createRetryBudget('shared', {
      registry: null,
      ratio: 0.1,
      minPerSecond: 0,
      now: () => 0,
    });
    const policy = createPolicy('llm.chat', { registry: null, retry: { budget, initialDelayMs: 0 } });
    const served = createPolicy('llm.served', {
      registry: null,
      retry: { budget, initialDelayMs: 0 },
      fallback: { value: 'cached' },
    });
    const error = await policy.execute(() => Promise.reject(httpError(503))).catch(e => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error).toMatchObject({ reason: 'budget_exhausted', attempts: 1 });
    await expect(served.execute(() => Promise.reject(httpError(503)))).resolves.toBe('cached');

    expect(await otel.points(METRIC_REJECTIONS)).toEqual(
      expect.arrayContaining([
        {
          attributes: { [ATTR_RESILIENCE_POLICY]: 'llm.chat', [ATTR_RESILIENCE_STRATEGY]: 'retry_budget' },
          value: 1,
        },
      ]),
    );
    expect(
      await otel.total(METRIC_RETRY_EXHAUSTED, { [ATTR_RESILIENCE_RETRY_REASON]: 'budget_exhausted' }),
    ).toBe(2);
    const span = otel.spans().find(s => s.name === 'llm.chat');
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.events.find(e => e.name === EVENT_REJECTION)?.attributes).toEqual({
      [ATTR_RESILIENCE_POLICY]: 'llm.chat',
      [ATTR_RESILIENCE_STRATEGY]: 'retry_budget',
      [ATTR_RESILIENCE_RETRY_BUDGET]: 'shared',
    });
    expect(budget.snapshot()).toMatchObject({ requests: 2, retries: 0, denied: 2 });
    budget.dispose();
  });
});
