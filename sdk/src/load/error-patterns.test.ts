import { trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorAggregator } from '../classify/error-aggregator.js';
import { createCircuitBreaker } from '../policies/create-circuit-breaker.js';
import {
  ATTR_RESILIENCE_ERROR_CATEGORY,
  ATTR_RESILIENCE_POLICY,
  EVENT_ERROR_PATTERN,
  METRIC_ERROR_PATTERNS,
} from '../semconv.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import {
  disableFeature,
  type ErrorPatternEvent,
  isolateBreaker,
  watchErrorPatterns,
} from './error-patterns.js';
import { createFeatureRegistry } from './feature-registry.js';

describe('error patterns', () => {
  let t: number;
  const now = () => t;
  beforeEach(() => {
    t = 0;
  });

  it('fires once when a category crosses its threshold in the window, and again as cleared', () => {
    const aggregator = new ErrorAggregator({ windowMs: 10_000, bucketCount: 10, now });
    const seen: string[] = [];
    const watcher = watchErrorPatterns(
      aggregator,
      [
        {
          category: 'rate_limited',
          threshold: 3,
          onDetected: (e: ErrorPatternEvent) => seen.push(`detected ${e.category} ${e.count}`),
          onCleared: e => seen.push(`cleared ${e.category}`),
        },
      ],
      { pollIntervalMs: null },
    );
    watcher.record(httpError(429));
    watcher.record(httpError(500));
    watcher.record(httpError(429));
    expect(seen).toEqual([]);
    watcher.record(httpError(429));
    watcher.record(httpError(429));
    expect(seen).toEqual(['detected rate_limited 3']);
    expect(watcher.detectedCategories()).toEqual(['rate_limited']);
    t = 10_500;
    watcher.check();
    expect(seen).toEqual(['detected rate_limited 3', 'cleared rate_limited']);
    watcher.dispose();
  });

  it('disables a feature and isolates a breaker while the pattern lasts (never forever)', () => {
    const aggregator = new ErrorAggregator({ windowMs: 10_000, now });
    const features = createFeatureRegistry({ registry: null, now });
    const images = features.define('images', { fallback: null });
    const breaker = createCircuitBreaker('openai', { registry: null });
    const watcher = watchErrorPatterns(
      aggregator,
      [
        { category: 'authentication', threshold: 2, actions: [isolateBreaker(breaker)] },
        { category: 'overloaded', threshold: { count: 2, rate: 0.4 }, actions: [disableFeature(images)] },
      ],
      { pollIntervalMs: null },
    );
    watcher.record(httpError(401));
    watcher.record(httpError(401));
    expect(breaker.state).toBe('isolated');
    watcher.record(httpError(529));
    watcher.recordSuccess();
    watcher.record(httpError(529));
    expect(images.enabled).toBe(false);
    expect(images.snapshot().disabledReason).toBe('error_pattern');
    t = 20_000;
    watcher.check();
    expect(breaker.state).toBe('closed');
    expect(images.enabled).toBe(true);
    watcher.dispose();
    breaker.dispose();
    features.dispose();
  });

  it('polls with an unref`d timer to notice errors recorded straight into the aggregator', async () => {
    vi.useFakeTimers();
    try {
      const aggregator = new ErrorAggregator({ windowMs: 60_000 });
      const onDetected = vi.fn();
      const watcher = watchErrorPatterns(aggregator, [
        { category: 'server_error', threshold: 1, onDetected },
      ]);
      aggregator.record(httpError(500));
      expect(onDetected).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1_000);
      expect(onDetected).toHaveBeenCalledTimes(1);
      watcher.dispose();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('validates the rules naming option, constraint and value', () => {
    const aggregator = new ErrorAggregator();
    expect(() =>
      watchErrorPatterns(aggregator, [
        { category: 'rate_limted' as never, threshold: 0 },
        { category: 'timeout', threshold: { rate: 2 } },
      ]),
    ).toThrow(
      'Invalid options for watchErrorPatterns: rules[0].category must be one of "rate_limited", "quota_exceeded", "overloaded", "server_error", "timeout", "network", "authentication", "validation", "not_found", "context_length_exceeded", "content_filtered", "cancelled", "circuit_open", "rejected", "programming", "unknown", got "rate_limted"; rules[0].threshold must be an integer >= 1, got 0; rules[1].threshold.rate must be a number in (0, 1], got 2',
    );
    expect(() => watchErrorPatterns({} as never, [])).toThrow(/aggregator must be an ErrorAggregator/);
    expect(() => watchErrorPatterns(aggregator, [], { pollIntervalMs: 0 })).toThrow(/pollIntervalMs must be/);
  });

  // Issue 8 §2.6: a broken action was accepted and failed (reported, not raised) at every detection.
  it('refuses actions that are not actions, and action factories given something else', () => {
    const aggregator = new ErrorAggregator();
    const rule = (actions: unknown) => [
      { category: 'timeout' as const, threshold: 1, actions: actions as never },
    ];
    expect(() =>
      watchErrorPatterns(aggregator, rule([null, {}, { onDetected: () => {}, onCleared: 1 }])),
    ).toThrow(
      'Invalid options for watchErrorPatterns: rules[0].actions[0] must be an action ({ onDetected, onCleared? }), got null; rules[0].actions[1].onDetected must be a function, got undefined; rules[0].actions[2].onCleared must be a function, got 1',
    );
    expect(() => disableFeature({} as never)).toThrow(
      'Invalid options for disableFeature: feature must be a Feature (from FeatureRegistry.define), got an object (Object)',
    );
    const features = createFeatureRegistry({ registry: null });
    const feature = features.define('f', { fallback: null });
    expect(() => disableFeature(feature, { forMs: -1 })).toThrow(
      'Invalid options for disableFeature: options.forMs must be a number in (0, 2147483647], got -1',
    );
    expect(() => disableFeature(feature, { forMs: 1_000 })).not.toThrow();
    features.dispose();
    expect(() => isolateBreaker('openai' as never)).toThrow(
      'Invalid options for isolateBreaker: breaker must be a CircuitBreaker, got "openai"',
    );
  });
});

describe('error pattern telemetry', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it('counts detections in resilience.error_patterns and adds a span event to the active span', async () => {
    const watcher = watchErrorPatterns(new ErrorAggregator(), [{ category: 'rate_limited', threshold: 1 }], {
      name: 'llm-errors',
      pollIntervalMs: null,
    });
    trace.getTracer('test').startActiveSpan('call', span => {
      watcher.record(httpError(429));
      span.end();
    });
    const attributes = {
      [ATTR_RESILIENCE_POLICY]: 'llm-errors',
      [ATTR_RESILIENCE_ERROR_CATEGORY]: 'rate_limited',
    };
    expect(await otel.points(METRIC_ERROR_PATTERNS)).toEqual([{ attributes, value: 1 }]);
    expect(otel.span('call').events.map(e => [e.name, e.attributes])).toEqual([
      [EVENT_ERROR_PATTERN, attributes],
    ]);
    watcher.dispose();
  });
});
