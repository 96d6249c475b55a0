import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AttemptInput } from '../core/call-context.js';
import { CallCancelledError } from '../errors/call-errors.js';
import { createRetryBudget } from '../load/retry-budget.js';
import { createPolicy } from '../pipeline/create-policy.js';
import { answerAfter } from '../test-support/abortable-answers.js';
import { httpError } from '../test-support/errors.js';
import { createCircuitBreaker } from './create-circuit-breaker.js';

/** A function whose n-th call (0-based) takes `latencies[n]` ms and answers `answer n`. */
function requests(latencies: readonly number[], log: AbortSignal[] = []) {
  let n = 0;
  const fn = vi.fn((input: AttemptInput) => {
    const i = n++;
    return answerAfter(latencies[i] ?? 0, `answer ${i}`, log)(input);
  });
  return fn;
}

const policies: Array<{ dispose(): void }> = [];
function hedged(options: Parameters<typeof createPolicy>[1]) {
  const policy = createPolicy('hedged', { registry: null, ...options });
  policies.push(policy);
  return policy;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  for (const p of policies.splice(0)) p.dispose();
});

describe('hedging: when a hedge starts', () => {
  it('starts a hedge at delayMs, keeps the first answer and aborts the loser', async () => {
    const signals: AbortSignal[] = [];
    const fn = requests([5000, 100], signals);
    const policy = hedged({ hedging: { delayMs: 300 } });
    const result = policy.execute(fn, { replaySafe: true });
    await vi.advanceTimersByTimeAsync(299);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(100);
    await expect(result).resolves.toBe('answer 1');
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[1]?.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('starts no hedge when the first attempt answers within the delay, and leaves no timer', async () => {
    const fn = requests([200]);
    const policy = hedged({ hedging: { delayMs: 300 } });
    const result = policy.execute(fn, { replaySafe: true });
    await vi.advanceTimersByTimeAsync(200);
    await expect(result).resolves.toBe('answer 0');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('hedges only replay-safe calls: the policy default, overridden per call', async () => {
    const fn = requests([1000, 1000]);
    const policy = hedged({ hedging: { delayMs: 100 } });
    const plain = policy.execute(fn);
    await vi.advanceTimersByTimeAsync(1000);
    await expect(plain).resolves.toBe('answer 0');
    expect(fn).toHaveBeenCalledTimes(1);

    const always = hedged({ hedging: { delayMs: 100, replaySafe: true } });
    const fn2 = requests([1000, 1000]);
    const optedOut = always.execute(fn2, { replaySafe: false });
    await vi.advanceTimersByTimeAsync(1000);
    await optedOut;
    expect(fn2).toHaveBeenCalledTimes(1);
  });

  it('starts up to maxHedgedAttempts hedges, one delay apart', async () => {
    const fn = requests([5000, 5000, 50]);
    const policy = hedged({ hedging: { delayMs: 100, maxHedgedAttempts: 2 } });
    const result = policy.execute(fn, { replaySafe: true });
    await vi.advanceTimersByTimeAsync(100);
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(100);
    expect(fn).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(50);
    await expect(result).resolves.toBe('answer 2');
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('learns the delay from recent latencies (percentile of the original attempts)', async () => {
    const policy = hedged({ hedging: { delay: { percentile: 0.9, minSamples: 10, minMs: 10 } } });
    for (let i = 0; i < 10; i++) {
      const done = policy.execute(answerAfter(100, i), { replaySafe: true });
      await vi.advanceTimersByTimeAsync(100);
      await done;
    }
    const fn = requests([5000, 10]);
    const result = policy.execute(fn, { replaySafe: true });
    // The learned p90 is 100 ms, up to the histogram's 9 % bucket width.
    await vi.advanceTimersByTimeAsync(99);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(12);
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(10);
    await expect(result).resolves.toBe('answer 1');
  });

  it('waits delay.maxMs while it has too few latencies', async () => {
    const fn = requests([5000, 10]);
    const policy = hedged({ hedging: { delay: { maxMs: 700 } } });
    const result = policy.execute(fn, { replaySafe: true });
    await vi.advanceTimersByTimeAsync(699);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(10);
    await expect(result).resolves.toBe('answer 1');
  });
});

describe('hedging: where it meets the caller, the budget and the breaker', () => {
  it("a caller's abort aborts every hedge and the call is cancelled", async () => {
    const signals: AbortSignal[] = [];
    const fn = requests([5000, 5000], signals);
    const policy = hedged({ hedging: { delayMs: 100 } });
    const caller = new AbortController();
    const result = policy.execute(fn, { replaySafe: true, signal: caller.signal });
    await vi.advanceTimersByTimeAsync(150);
    expect(fn).toHaveBeenCalledTimes(2);
    caller.abort();
    await expect(result).rejects.toBeInstanceOf(CallCancelledError);
    expect(signals.map(s => s.aborted)).toEqual([true, true]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the retry budget denies hedges when it is empty', async () => {
    const budget = createRetryBudget('hedge-budget', { ratio: 0.1, minPerSecond: 0, registry: null });
    const fn = requests([1000, 10]);
    const policy = hedged({ retry: { maxRetries: 1, budget }, hedging: { delayMs: 100 } });
    const result = policy.execute(fn, { replaySafe: true });
    await vi.advanceTimersByTimeAsync(1000);
    await expect(result).resolves.toBe('answer 0');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(budget.snapshot().denied).toBe(1);
    budget.dispose();
  });

  it('skips a target whose breaker is open and hedges to the next target', async () => {
    const openBreaker = createCircuitBreaker('target-a', {
      breaker: { kind: 'consecutive', threshold: 1 },
      halfOpenAfterMs: 60_000,
      registry: null,
    });
    openBreaker.isolate();
    const a = vi.fn(answerAfter(10, 'from a'));
    const b = vi.fn(answerAfter(10, 'from b'));
    const policy = hedged({
      hedging: {
        delayMs: 100,
        targets: [
          { name: 'a', fn: a, circuitBreaker: openBreaker },
          { name: 'b', fn: b },
        ],
      },
    });
    const result = policy.execute(answerAfter(5000, 'primary'), { replaySafe: true });
    await vi.advanceTimersByTimeAsync(110);
    await expect(result).resolves.toBe('from b');
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledTimes(1);
    openBreaker.dispose();
  });

  it("gives a target the call's properties and its own signal", async () => {
    const seen: unknown[] = [];
    const policy = hedged({
      hedging: {
        delayMs: 100,
        targets: [
          {
            name: 'small-model',
            fn: ({ properties, signal }) => {
              seen.push(properties.prompt, signal.aborted);
              return 'small';
            },
          },
        ],
      },
    });
    const result = policy.execute(answerAfter(5000, 'big'), {
      replaySafe: true,
      properties: { prompt: 'hi' },
    });
    await vi.advanceTimersByTimeAsync(100);
    await expect(result).resolves.toBe('small');
    expect(seen).toEqual(['hi', false]);
  });

  it('an aborted loser is neutral for the breaker, whatever its client throws on abort', async () => {
    const policy = hedged({
      circuitBreaker: { breaker: { kind: 'consecutive', threshold: 1 }, halfOpenAfterMs: 60_000 },
      hedging: { delayMs: 100 },
    });
    // The original's stream surfaces the abort as a dropped connection (as undici does): still neutral, because
    // hedging abandoned it.
    async function* slow(signal: AbortSignal) {
      await new Promise((_, reject) =>
        signal.addEventListener('abort', () =>
          reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
        ),
      );
      yield 'never';
    }
    async function* fast() {
      yield 'hello';
    }
    let n = 0;
    const result = policy.executeStream(({ signal }) => (n++ === 0 ? slow(signal) : fast()), {
      replaySafe: true,
    });
    await vi.advanceTimersByTimeAsync(100);
    const chunks: string[] = [];
    for await (const chunk of await result) chunks.push(chunk);
    expect(chunks).toEqual(['hello']);
    expect(policy.circuitBreaker?.state).toBe('closed');
    expect(policy.circuitBreaker?.snapshot().failures).toBe(0);
  });

  it('a non-retryable failure of a hedge ends the round at once and aborts the original', async () => {
    const signals: AbortSignal[] = [];
    let n = 0;
    const fn = (input: AttemptInput) =>
      n++ === 0 ? answerAfter(5000, 'slow', signals)(input) : Promise.reject(httpError(400));
    const policy = hedged({ retry: { maxRetries: 2 }, hedging: { delayMs: 100 } });
    const result = policy.execute(fn, { replaySafe: true });
    const settled = expect(result).rejects.toMatchObject({ classified: { category: 'validation' } });
    await vi.advanceTimersByTimeAsync(100);
    await settled;
    expect(signals[0]?.aborted).toBe(true);
    expect(n).toBe(2);
  });

  it('a round whose attempts all fail is retried by the retry loop as one attempt', async () => {
    let n = 0;
    const fn = () => {
      const i = n++;
      if (i < 2) return new Promise((_, reject) => setTimeout(() => reject(httpError(503)), 150));
      return 'ok';
    };
    const policy = hedged({
      retry: { maxRetries: 1, initialDelayMs: 10, jitter: 'none' },
      hedging: { delayMs: 100 },
    });
    const result = policy.execute(fn, { replaySafe: true });
    await vi.advanceTimersByTimeAsync(400);
    await expect(result).resolves.toBe('ok');
    expect(n).toBe(3);
  });

  it('an attempt to a target that fails starts the next target at once', async () => {
    const b = vi.fn(() => 'from b');
    const policy = hedged({
      hedging: {
        delayMs: 100,
        maxHedgedAttempts: 2,
        targets: [
          { name: 'a', fn: () => Promise.reject(httpError(500)) },
          { name: 'b', fn: b },
        ],
      },
    });
    const result = policy.execute(answerAfter(5000, 'primary'), { replaySafe: true });
    await vi.advanceTimersByTimeAsync(100);
    await expect(result).resolves.toBe('from b');
    expect(b).toHaveBeenCalledTimes(1);
  });

  it('a total timeout ends every attempt of the round', async () => {
    const signals: AbortSignal[] = [];
    const policy = hedged({ totalTimeoutMs: 500, hedging: { delayMs: 100 } });
    const result = policy.execute(requests([5000, 5000], signals), { replaySafe: true });
    const settled = expect(result).rejects.toMatchObject({ reason: 'deadline' });
    await vi.advanceTimersByTimeAsync(500);
    await settled;
    expect(signals.map(s => s.aborted)).toEqual([true, true]);
  });
});

describe('hedging options', () => {
  it.each([
    [{ maxHedgedAttempts: 0 }, 'hedging.maxHedgedAttempts must be'],
    [{ delayMs: -1 }, 'hedging.delayMs must be'],
    [{ delay: { percentile: 1 } }, 'hedging.delay.percentile must be'],
    [{ delay: { minMs: 500, maxMs: 100 } }, 'hedging.delay.minMs must be at most delay.maxMs (100), got 500'],
    [{ targets: [] }, 'hedging.targets must be a non-empty array'],
    [{ targets: [{ name: 'bad name!', fn: () => 1 }] }, 'hedging.targets[0].name must be'],
    [{ budget: {} }, 'hedging.budget must be an object with a tryAcquireRetry() method'],
    [{ unknown: 1 }, 'hedging.unknown is not a known option'],
  ])('rejects %j', (hedging, message) => {
    expect(() => createPolicy('p', { registry: null, hedging: hedging as never })).toThrow(message);
  });
});
