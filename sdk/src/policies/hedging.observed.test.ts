import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRetryBudget } from '../load/retry-budget.js';
import { createPolicy } from '../pipeline/create-policy.js';
import {
  ATTR_RESILIENCE_ATTEMPT_KIND,
  ATTR_RESILIENCE_HEDGE_RESULT,
  ATTR_RESILIENCE_OUTCOME,
  attemptSpanName,
  EVENT_HEDGE,
  METRIC_ATTEMPT_DURATION,
  METRIC_ERRORS,
  METRIC_HEDGE_SAVED,
  METRIC_HEDGES,
  METRIC_REJECTIONS,
  METRIC_TOKENS,
} from '../semconv.js';
import { answerAfter } from '../test-support/abortable-answers.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { type Chunk, provider, readAll, streamOptions, text } from '../test-support/provider-stream.js';

// Hedging as the telemetry and a streamed call see it: every racer has a span and an attempt duration, the
// result is counted (won, lost, denied), a loser is no error, and streams race to their first content chunk.

let otel: TestTelemetry;
beforeEach(() => {
  vi.useFakeTimers();
  otel = new TestTelemetry().install();
});
afterEach(async () => {
  vi.useRealTimers();
  await otel.uninstall();
});

describe('hedging telemetry', () => {
  it('counts a won hedge, gives each racer a span, records no error for the aborted original', async () => {
    const policy = createPolicy('chat', { registry: null, hedging: { delayMs: 100 } });
    let n = 0;
    const result = policy.execute(
      input => (n++ === 0 ? answerAfter(5000, 'slow') : answerAfter(50, 'fast'))(input),
      {
        replaySafe: true,
      },
    );
    await vi.advanceTimersByTimeAsync(150);
    await expect(result).resolves.toBe('fast');
    expect(await otel.total(METRIC_HEDGES, { [ATTR_RESILIENCE_HEDGE_RESULT]: 'won' })).toBe(1);
    expect(await otel.total(METRIC_HEDGES, { [ATTR_RESILIENCE_HEDGE_RESULT]: 'lost' })).toBe(0);
    expect(await otel.total(METRIC_ERRORS)).toBe(0);
    expect(
      await otel.total(METRIC_ATTEMPT_DURATION, {
        [ATTR_RESILIENCE_ATTEMPT_KIND]: 'hedge',
        [ATTR_RESILIENCE_OUTCOME]: 'success',
      }),
    ).toBe(1);
    expect(
      await otel.total(METRIC_ATTEMPT_DURATION, {
        [ATTR_RESILIENCE_ATTEMPT_KIND]: 'original',
        [ATTR_RESILIENCE_OUTCOME]: 'cancelled',
      }),
    ).toBe(1);
    const attempts = otel.spans().filter(s => s.name === attemptSpanName('chat'));
    expect(
      attempts
        .map(s => [s.attributes[ATTR_RESILIENCE_ATTEMPT_KIND], s.attributes[ATTR_RESILIENCE_HEDGE_RESULT]])
        .sort(),
    ).toEqual([
      ['hedge', 'won'],
      ['original', 'lost'],
    ]);
    // The original's span starts when it did, before the hedge existed.
    const original = attempts.find(s => s.attributes[ATTR_RESILIENCE_ATTEMPT_KIND] === 'original');
    const hedge = attempts.find(s => s.attributes[ATTR_RESILIENCE_ATTEMPT_KIND] === 'hedge');
    expect(original?.startTime[0] ?? 0).toBeLessThanOrEqual(hedge?.startTime[0] ?? 0);
    expect(otel.span('chat').events.map(e => e.name)).toContain(EVENT_HEDGE);
    policy.dispose();
  });

  it('records the latency a winning hedge saved, estimated from the originals it outran before', async () => {
    const policy = createPolicy('chat', { registry: null, hedging: { delayMs: 100 } });
    const race = async (hedgeMs: number) => {
      let n = 0;
      const result = policy.execute(
        input => (n++ === 0 ? answerAfter(5000, 'slow') : answerAfter(hedgeMs, 'fast'))(input),
        { replaySafe: true },
      );
      await vi.advanceTimersByTimeAsync(100 + hedgeMs);
      await expect(result).resolves.toBe('fast');
    };
    // Originals that lost at 150 ms: nothing known above 150 ms yet, so no estimate.
    for (let i = 0; i < 5; i++) await race(50);
    expect(await otel.points(METRIC_HEDGE_SAVED)).toEqual([]);
    // An original that lost at 120 ms would likely have run ~150 ms (the median of those above 120 ms).
    await race(20);
    const [saved] = await otel.points(METRIC_HEDGE_SAVED);
    expect(saved?.value).toBe(1);
    expect(saved?.sum).toBeGreaterThan(0.025);
    expect(saved?.sum).toBeLessThan(0.04);
    policy.dispose();
  });

  it('counts a hedge the budget denied', async () => {
    const policy = createPolicy('chat', {
      registry: null,
      hedging: {
        delayMs: 10,
        budget: { name: 'empty', onCall() {}, onAttemptResult() {}, tryAcquireRetry: () => false },
      },
    });
    const result = policy.execute(answerAfter(100, 'ok'), { replaySafe: true });
    await vi.advanceTimersByTimeAsync(100);
    await expect(result).resolves.toBe('ok');
    expect(await otel.total(METRIC_HEDGES, { [ATTR_RESILIENCE_HEDGE_RESULT]: 'denied' })).toBe(1);
    policy.dispose();
  });

  it("denies a hedge the policy's own breaker would refuse (half-open: the original is its probe), spending no budget", async () => {
    // Repro: the hedge was started, took a budget token, and was refused by the half-open breaker, counted as a
    // rejection of a call that succeeded.
    const budget = createRetryBudget('hedge-budget', { ratio: 0.5, minPerSecond: 10, registry: null });
    const policy = createPolicy('chat', {
      registry: null,
      retry: { maxRetries: 0, budget },
      circuitBreaker: { breaker: { kind: 'consecutive', threshold: 1 }, halfOpenAfterMs: 1000 },
      hedging: { delayMs: 100 },
    });
    await expect(policy.execute(() => Promise.reject(httpError(503)))).rejects.toBeDefined();
    expect(policy.circuitBreaker?.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1000);
    const result = policy.execute(answerAfter(300, 'probe answered'), { replaySafe: true });
    await vi.advanceTimersByTimeAsync(300);
    await expect(result).resolves.toBe('probe answered');
    expect(policy.circuitBreaker?.state).toBe('closed');
    expect(await otel.total(METRIC_HEDGES, { [ATTR_RESILIENCE_HEDGE_RESULT]: 'denied' })).toBe(1);
    expect(await otel.total(METRIC_REJECTIONS)).toBe(0);
    expect(budget.snapshot().retries).toBe(0);
    policy.dispose();
    budget.dispose();
  });

  it('counts tokens of a loser that answered after the winner as wasted', async () => {
    const policy = createPolicy('chat', { registry: null, hedging: { delayMs: 100 } });
    const usage = { inputTokens: 10, outputTokens: 5 };
    // Both answer in the same tick: the hedge's answer arrives after the original had won.
    let open!: () => void;
    const gate = new Promise<void>(resolve => {
      open = resolve;
    });
    let n = 0;
    const result = policy.execute(
      async () => {
        const i = n++;
        await gate;
        return { i, usage };
      },
      { replaySafe: true, usageOf: v => (v as { usage: typeof usage }).usage },
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(n).toBe(2);
    open();
    await expect(result).resolves.toMatchObject({ i: 0 });
    expect(await otel.total(METRIC_TOKENS, { 'resilience.token.kind': 'served' })).toBe(15);
    expect(await otel.total(METRIC_TOKENS, { 'resilience.token.kind': 'wasted' })).toBe(15);
    expect(await otel.total(METRIC_HEDGES, { [ATTR_RESILIENCE_HEDGE_RESULT]: 'lost' })).toBe(1);
    policy.dispose();
  });
});

describe('hedging streamed calls', () => {
  it('races to the first content chunk: the winner is streamed, the loser closed', async () => {
    const slow = provider([{ text: 'late' }], 'end');
    const stalled = provider([], 'stall');
    const fast = provider(text('he', 'llo'));
    let n = 0;
    const opens = [stalled.open, fast.open, slow.open];
    const policy = createPolicy('chat', { registry: null, hedging: { delayMs: 100 } });
    const opened = policy.executeStream(input => (opens[n++] as typeof fast.open)(input), {
      ...streamOptions,
      replaySafe: true,
    });
    await vi.advanceTimersByTimeAsync(105);
    const stream = await opened;
    expect(stalled.state.signal?.aborted).toBe(true);
    const read = readAll(stream as AsyncIterable<Chunk>);
    await vi.advanceTimersByTimeAsync(20);
    expect(await read).toBe('hello');
    expect(n).toBe(2);
    expect(stalled.state.closed).toBe(true);
    expect(await otel.total(METRIC_HEDGES, { [ATTR_RESILIENCE_HEDGE_RESULT]: 'won' })).toBe(1);
    policy.dispose();
  });

  it('closes a loser stream that committed after the winner, without ending the winner', async () => {
    // Both streams' first chunks arrive 5 ms after opening; the hedge opens at 0 ms (delayMs 0: all at once).
    const first = provider(text('a1', 'a2'));
    const second = provider(text('b1', 'b2'));
    let n = 0;
    const policy = createPolicy('chat', {
      registry: null,
      bulkhead: { maxConcurrent: 1 },
      hedging: { delayMs: 0 },
    });
    const opened = policy.executeStream(input => (n++ === 0 ? first.open : second.open)(input), {
      ...streamOptions,
      replaySafe: true,
    });
    await vi.advanceTimersByTimeAsync(5);
    const stream = await opened;
    await vi.advanceTimersByTimeAsync(0);
    expect(second.state.closed).toBe(true);
    // The winner's stream still holds the bulkhead slot: closing the loser did not end the call's stream.
    await expect(policy.execute(() => 'meanwhile')).rejects.toMatchObject({
      classified: { category: 'rejected' },
    });
    const read = readAll(stream as AsyncIterable<Chunk>);
    await vi.advanceTimersByTimeAsync(20);
    expect(await read).toBe('a1a2');
    await expect(policy.execute(() => 'next')).resolves.toBe('next');
    policy.dispose();
  });
});
