/**
 * Where chaos meets the pipeline (issue 11 §2): `createPolicy(name, { chaos })` with retry, circuit breaker and
 * fallback, as they must behave once the lead wires chaos in (`PolicyOptions.chaos` checked with `checkChaosOption`,
 * `ExecuteOptions.tenant`, `execute`/`executeStream` wrapping `fn` with `chaosFn` when `controller.enabled`, and
 * `recordAttemptFailure` adding `resilience.chaos.injected` to `resilience.errors` for `classified.injected`).
 *
 * UNTIL THAT WIRING LANDS THESE TESTS FAIL ("chaos is not a known option"). The option objects are cast to the
 * pipeline's types so the file type-checks before and after the wiring.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExecuteOptions } from '../../core/execute-options.js';
import { type ClassifiedError, createPolicy, StreamBrokenError } from '../../index.js';
import type { PolicyOptions } from '../../pipeline/options.js';
import {
  ATTR_RESILIENCE_CHAOS_FAULT,
  ATTR_RESILIENCE_CHAOS_INJECTED,
  ATTR_RESILIENCE_POLICY,
  METRIC_CHAOS_INJECTIONS,
  METRIC_ERRORS,
} from '../../semconv.js';
import { TestTelemetry } from '../../test-support/otel.js';
import { readChunks } from '../../test-support/provider-stream.js';
import { createChaos } from './controller.js';
import type { ChaosController, ChaosOptions } from './types.js';

type Options = PolicyOptions<string> & { readonly chaos?: ChaosController | ChaosOptions };
const policyWith = (name: string, options: Options) =>
  createPolicy<string>(name, { registry: null, ...options } as PolicyOptions<string>);
const served = ({ error }: { error: ClassifiedError }) =>
  `fallback:${error.category}:${error.injected === true}`;
const forTenant = (tenant: string) => ({ tenant }) as ExecuteOptions;

async function* answer() {
  yield 'Refunds ';
  yield 'take five ';
  yield 'business days.';
}

describe('a 429 storm through retry, circuit breaker and fallback', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    vi.useRealTimers();
    await otel.uninstall();
  });

  it('retries after the injected Retry-After, opens the breaker, serves the fallback, labels every signal', async () => {
    const chaos = createChaos({
      enabled: true,
      faults: [{ fault: 'rate_limited', rate: 1, retryAfterMs: 2000 }],
    });
    const policy = policyWith('chat', {
      chaos,
      retry: { maxRetries: 2, initialDelayMs: 10, jitter: 'none' },
      circuitBreaker: { breaker: { kind: 'consecutive', threshold: 3 }, halfOpenAfterMs: 60_000 },
      fallback: { factory: served },
    });
    const fn = vi.fn(async () => 'model answer');

    const first = policy.execute(fn);
    await vi.advanceTimersByTimeAsync(0);
    expect(chaos.state().injections.rate_limited).toBe(1);
    await vi.advanceTimersByTimeAsync(1999); // the retry waits the 429's Retry-After, not the 10 ms backoff
    expect(chaos.state().injections.rate_limited).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(chaos.state().injections.rate_limited).toBe(2);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await first).toBe('fallback:rate_limited:true');
    expect(fn).not.toHaveBeenCalled();
    expect(policy.circuitBreaker?.state).toBe('open');

    // The open breaker refuses the next call before fn: not an attempt, so chaos is not asked.
    expect(await policy.execute(fn)).toBe('fallback:circuit_open:false');
    expect(chaos.state().injections.rate_limited).toBe(3);

    expect(await otel.points(METRIC_CHAOS_INJECTIONS)).toEqual([
      {
        attributes: { [ATTR_RESILIENCE_POLICY]: 'chat', [ATTR_RESILIENCE_CHAOS_FAULT]: 'rate_limited' },
        value: 3,
      },
    ]);
    expect(await otel.total(METRIC_ERRORS, { [ATTR_RESILIENCE_CHAOS_INJECTED]: true })).toBe(3);
    const real = (await otel.points(METRIC_ERRORS)).filter(
      p => p.attributes[ATTR_RESILIENCE_CHAOS_INJECTED] !== true,
    );
    expect(real.every(p => p.attributes[ATTR_RESILIENCE_CHAOS_INJECTED] === undefined)).toBe(true);
    policy.dispose();
  });

  it('an abort during an injected latency cancels the call at once and leaves no timer', async () => {
    const chaos = createChaos({ enabled: true, faults: [{ fault: 'latency', rate: 1, latencyMs: 60_000 }] });
    const policy = policyWith('slow', { chaos, retry: { maxRetries: 1 } });
    const controller = new AbortController();
    const fn = vi.fn(async () => 'late');
    const call = policy.execute(fn, { signal: controller.signal }).catch(e => e);
    await vi.advanceTimersByTimeAsync(1000);
    controller.abort(new Error('user left'));
    expect(await call).toMatchObject({ name: 'CallCancelledError' });
    expect(fn).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(0); // zero-delay work of the settling call; the 60 s wait must be gone
    expect(vi.getTimerCount()).toBe(0);
    policy.dispose();
  });
});

describe('chaos options of a policy', () => {
  it('injects only into the scoped tenant’s calls', async () => {
    const chaos = createChaos({
      enabled: true,
      faults: [{ fault: 'overloaded', rate: 1, provider: 'anthropic' }],
      scope: { tenants: ['game-day'] },
    });
    const policy = policyWith('scoped', { chaos, fallback: { factory: served } });
    expect(await policy.execute(async () => 'real answer', forTenant('acme'))).toBe('real answer');
    expect(await policy.execute(async () => 'real answer', forTenant('game-day'))).toBe(
      'fallback:overloaded:true',
    );
    expect(await policy.execute(async () => 'real answer')).toBe('real answer');
  });

  it('takes inline chaos options (a private controller), and a disabled controller changes nothing', async () => {
    const inline = policyWith('inline', {
      chaos: { enabled: true, faults: [{ fault: 'context_length_exceeded', rate: 1 }] },
      fallback: { factory: served },
    });
    expect(await inline.execute(async () => 'real answer')).toBe('fallback:context_length_exceeded:true');
    const chaos = createChaos({ faults: [{ fault: 'timeout', rate: 1 }] });
    const fn = vi.fn(async () => 'real answer');
    expect(await policyWith('off', { chaos }).execute(fn)).toBe('real answer');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(() => policyWith('bad', { chaos: { faults: [{ fault: 'timeout', rate: 2 }] } })).toThrow(
      'chaos.faults[0].rate must be a number in [0, 1], got 2',
    );
  });
});

describe('stream faults through executeStream', () => {
  it('a drop before the first chunk is retried: the consumer sees one clean answer', async () => {
    const draws = [0, 0.99]; // the first attempt gets the drop, the second does not
    const chaos = createChaos({
      enabled: true,
      faults: [{ fault: 'stream_drop', rate: 0.5, afterChunks: 0 }],
      random: () => draws.shift() ?? 0.99,
    });
    const policy = policyWith('stream', { chaos, retry: { maxRetries: 1, initialDelayMs: 1 } });
    const fn = vi.fn(async () => answer());
    const { chunks, error } = await readChunks(await policy.executeStream(fn));
    expect(error).toBeUndefined();
    expect(chunks.join('')).toBe('Refunds take five business days.');
    expect(fn).toHaveBeenCalledTimes(2);
    expect(chaos.state().injections.stream_drop).toBe(1);
  });

  it('an error frame after the commit is a StreamBrokenError classified as the provider’s, labelled injected', async () => {
    const chaos = createChaos({
      enabled: true,
      faults: [{ fault: 'stream_error', rate: 1, afterChunks: 2, provider: 'anthropic' }],
    });
    const policy = policyWith('stream-broken', { chaos, retry: { maxRetries: 1, initialDelayMs: 1 } });
    const { chunks, error } = await readChunks(await policy.executeStream(async () => answer()));
    expect(chunks).toEqual(['Refunds ', 'take five ']);
    expect(error).toBeInstanceOf(StreamBrokenError);
    expect((error as StreamBrokenError).classified).toMatchObject({ category: 'overloaded', injected: true });
  });
});
