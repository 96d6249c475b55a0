import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicyRegistry } from '../core/registry.js';
import {
  ATTR_RESILIENCE_FEATURE,
  ATTR_RESILIENCE_FEATURE_REASON,
  ATTR_RESILIENCE_FEATURE_STATE,
  EVENT_FEATURE_STATE_CHANGE,
  METRIC_FEATURE_ENABLED,
} from '../semconv.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { FEATURE_DEFAULTS } from './feature-options.js';
import type { FeatureChange } from './feature-registry.js';
import { createFeatureRegistry } from './feature-registry.js';

const boom = () => Promise.reject(httpError(500));

describe('feature registry (graceful degradation)', () => {
  let t: number;
  const now = () => t;
  beforeEach(() => {
    t = 0;
  });

  it('pins the defaults', () => {
    expect(FEATURE_DEFAULTS).toEqual({
      errorThreshold: 5,
      windowMs: 60_000,
      cooldownMs: 30_000,
      rethrow: false,
      disabled: false,
    });
  });

  it('runs enabled features and serves the fallback while disabled by hand', async () => {
    const features = createFeatureRegistry({ registry: null, now });
    const suggestions = features.define('suggestions', { fallback: [] as string[] });
    await expect(features.executeIfEnabled(suggestions, async () => ['a'])).resolves.toEqual(['a']);
    suggestions.disable();
    let ran = false;
    await expect(
      features.executeIfEnabled('suggestions', async () => {
        ran = true;
        return ['b'];
      }),
    ).resolves.toEqual([]);
    expect(ran).toBe(false);
    t = 10_000_000;
    expect(features.isEnabled('suggestions')).toBe(false);
    suggestions.enable();
    expect(features.isEnabled('suggestions')).toBe(true);
    expect(() => features.isEnabled('nope')).toThrow('No feature named "nope" is defined');
    features.dispose();
  });

  it('disables itself after errorThreshold errors in the window and re-enables after the cool-down', async () => {
    const features = createFeatureRegistry({ registry: null, now });
    const changes: FeatureChange[] = [];
    features.onChange(c => changes.push(c));
    const summary = features.define('summary', {
      fallback: 'n/a',
      errorThreshold: 3,
      windowMs: 10_000,
      cooldownMs: 5_000,
    });
    await expect(summary.execute(boom)).resolves.toBe('n/a');
    t = 6_000;
    await summary.execute(boom);
    t = 11_000;
    await summary.execute(boom);
    expect(summary.enabled).toBe(true);
    await summary.execute(boom);
    expect(summary.enabled).toBe(false);
    expect(summary.snapshot()).toMatchObject({
      enabled: false,
      disabledReason: 'error_threshold',
      reenableInMs: 5_000,
      fallbacks: 4,
    });
    t = 16_000;
    expect(summary.enabled).toBe(true);
    expect(summary.snapshot().errorsInWindow).toBe(0);
    // One error after the cool-down does not disable it again.
    await summary.execute(boom);
    expect(summary.enabled).toBe(true);
    expect(changes.map(c => `${c.feature}:${c.enabled}:${c.reason}`)).toEqual([
      'summary:false:error_threshold',
      'summary:true:cooldown_elapsed',
    ]);
    features.dispose();
  });

  it('does not count cancellations (or filtered categories), can rethrow, and keeps manual disables', async () => {
    const features = createFeatureRegistry({ registry: null, now });
    const f = features.define('f', {
      fallback: 0,
      errorThreshold: 1,
      countErrors: ['server_error'],
      rethrow: true,
    });
    const cancelled = new DOMException('aborted', 'AbortError');
    await expect(f.execute(() => Promise.reject(cancelled))).rejects.toBe(cancelled);
    await expect(f.execute(() => Promise.reject(httpError(429)))).rejects.toThrow();
    expect(f.enabled).toBe(true);
    expect(() => f.disable(Number.NaN)).toThrow(
      'Feature "f".disable: forMs must be a number in [0, 2147483647] or undefined, got NaN',
    );
    expect(f.enabled).toBe(true);
    f.disable();
    f.disable(1_000, 'error_pattern');
    t = 5_000;
    expect(f.snapshot()).toMatchObject({ enabled: false, disabledReason: 'manual', reenableInMs: null });
    const off = features.define('off', { fallback: 'x', disabled: true });
    expect(off.enabled).toBe(false);
    features.dispose();
  });

  it('registers each feature by name and validates options', () => {
    const registry = new PolicyRegistry();
    const features = createFeatureRegistry({ registry, now });
    const a = features.define('a', { fallback: null });
    expect(registry.list('feature')).toEqual([a]);
    expect(() => features.define('a', { fallback: null })).toThrow(/name must be a name not yet defined/);
    expect(() => features.define('b', { errorThreshold: 0, windowMs: 0, cooldownMs: -1 } as never)).toThrow(
      'Invalid options for FeatureRegistry.define("b"): options.fallback must be set (the value served while the feature is off), got undefined; options.errorThreshold must be an integer >= 1, got 0; options.windowMs must be a number in (0, 2147483647], got 0; options.cooldownMs must be a number in (0, 2147483647], got -1',
    );
    features.dispose();
    expect(registry.list('feature')).toEqual([]);
  });
});

describe('feature telemetry', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it('reports resilience.feature.enabled (0/1) per feature and a state-change event on the active span', async () => {
    const features = createFeatureRegistry({ registry: null });
    features.define('search', { fallback: [] });
    const images = features.define('images', { fallback: null, errorThreshold: 1 });
    const tracer = (await import('@opentelemetry/api')).trace.getTracer('test');
    await tracer.startActiveSpan('agent run', async span => {
      await images.execute(() => Promise.reject(httpError(503)));
      span.end();
    });
    expect((await otel.metrics()).get(METRIC_FEATURE_ENABLED)?.descriptor).toMatchObject({
      unit: '{feature}',
    });
    expect(await otel.points(METRIC_FEATURE_ENABLED)).toEqual([
      { attributes: { [ATTR_RESILIENCE_FEATURE]: 'search' }, value: 1 },
      { attributes: { [ATTR_RESILIENCE_FEATURE]: 'images' }, value: 0 },
    ]);
    expect(otel.span('agent run').events.map(e => [e.name, e.attributes])).toEqual([
      [
        EVENT_FEATURE_STATE_CHANGE,
        {
          [ATTR_RESILIENCE_FEATURE]: 'images',
          [ATTR_RESILIENCE_FEATURE_STATE]: 'disabled',
          [ATTR_RESILIENCE_FEATURE_REASON]: 'error_threshold',
        },
      ],
    ]);
    features.dispose();
  });
});
