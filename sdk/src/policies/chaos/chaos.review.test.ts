/**
 * Review of chaos injection where it meets hedging (issue 11): each attempt of a hedged round (the original and
 * every hedge to the call's own function) rolls its own dice, an injected failure of a racer is counted as an
 * injected error, and hedging rescues a call from injected latency without leaving a timer behind.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPolicy } from '../../pipeline/create-policy.js';
import {
  ATTR_RESILIENCE_CHAOS_INJECTED,
  ATTR_RESILIENCE_HEDGE_RESULT,
  METRIC_ERRORS,
  METRIC_HEDGES,
} from '../../semconv.js';
import { answerAfter } from '../../test-support/abortable-answers.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { createChaos } from './controller.js';

/** Draws from `draws` in order (then 0.99: no fault at rate 0.5). */
const scripted = (...draws: number[]) => {
  let i = 0;
  return () => draws[i++] ?? 0.99;
};

let otel: TestTelemetry;
beforeEach(() => {
  vi.useFakeTimers();
  otel = new TestTelemetry().install();
});
afterEach(async () => {
  vi.useRealTimers();
  await otel.uninstall();
});

describe('chaos × hedging', () => {
  it('an injected 429 on the original while the hedge races: the hedge answers, one injected error, no retry', async () => {
    // The original draws latency (0) and rate_limited (0): it fails with the injected 429 at 120 ms, while the
    // hedge started at 100 ms (draws 0.99, 0.99: no fault) answers at 150 ms.
    const chaos = createChaos({
      enabled: true,
      random: scripted(0, 0),
      faults: [
        { fault: 'latency', rate: 0.5, latencyMs: 120 },
        { fault: 'rate_limited', rate: 0.5, retryAfterMs: 5000 },
      ],
    });
    const policy = createPolicy('chat', {
      registry: null,
      chaos,
      retry: { maxRetries: 2, initialDelayMs: 10, jitter: 'none' },
      hedging: { delayMs: 100 },
    });
    const fn = vi.fn(answerAfter(50, 'answer'));
    const result = policy.execute(fn, { replaySafe: true });
    await vi.advanceTimersByTimeAsync(150);
    await expect(result).resolves.toBe('answer');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(chaos.state().injections).toMatchObject({ latency: 1, rate_limited: 1 });
    expect(await otel.total(METRIC_ERRORS, { [ATTR_RESILIENCE_CHAOS_INJECTED]: true })).toBe(1);
    expect(await otel.total(METRIC_ERRORS)).toBe(1);
    expect(await otel.total(METRIC_HEDGES, { [ATTR_RESILIENCE_HEDGE_RESULT]: 'won' })).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fn).toHaveBeenCalledTimes(1);
    policy.dispose();
  });

  it('a hedge rescues a call from injected latency; the aborted latency wait leaves no timer', async () => {
    const chaos = createChaos({
      enabled: true,
      random: scripted(0),
      faults: [{ fault: 'latency', rate: 0.5, latencyMs: 60_000 }],
    });
    const policy = createPolicy('chat', { registry: null, chaos, hedging: { delayMs: 100 } });
    const fn = vi.fn(answerAfter(20, 'answer'));
    const result = policy.execute(fn, { replaySafe: true });
    await vi.advanceTimersByTimeAsync(120);
    await expect(result).resolves.toBe('answer');
    expect(fn).toHaveBeenCalledTimes(1);
    // The span exporter's zero-delay timers run; the original's 60 s latency wait was cut by its abort.
    await vi.advanceTimersByTimeAsync(1);
    expect(vi.getTimerCount()).toBe(0);
    expect(await otel.total(METRIC_ERRORS)).toBe(0);
    policy.dispose();
  });
});
