/**
 * Review of hedging where it meets the other parts of the pipeline (issue 11): each `describe` names the seam.
 * Tests marked DEFECT fail on the code under review and pass once the fix proposed in the review report lands;
 * the others pin combinations that already behave and that no other test exercised.
 */
import { getEventListeners } from 'node:events';
import { diag } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AttemptInput } from '../core/call-context.js';
import { CallCancelledError } from '../errors/call-errors.js';
import { createRetryBudget } from '../load/retry-budget.js';
import { createPolicy } from '../pipeline/create-policy.js';
import {
  ATTR_RESILIENCE_ATTEMPT_KIND,
  ATTR_RESILIENCE_HEDGE_RESULT,
  attemptSpanName,
  METRIC_ERRORS,
  METRIC_HEDGES,
  METRIC_TOKENS,
} from '../semconv.js';
import { answerAfter } from '../test-support/abortable-answers.js';
import { captureDiagWarnings } from '../test-support/diag.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { type Chunk, provider, readAll, streamOptions, text } from '../test-support/provider-stream.js';
import { createCircuitBreaker } from './create-circuit-breaker.js';

/** Rejects with `error` after `ms` (fake time), or with the abort reason when the signal aborts. */
function failAfter(ms: number, error: unknown) {
  return ({ signal }: { signal: AbortSignal }): Promise<never> =>
    new Promise<never>((_, reject) => {
      const timer = setTimeout(() => reject(error), ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });
}

/** Runs the n-th call (0-based) of the returned function with `behaviours[n]`. */
function sequence(...behaviours: Array<(input: AttemptInput) => Promise<unknown>>) {
  let n = 0;
  return vi.fn((input: AttemptInput) => {
    const behaviour = behaviours[Math.min(n++, behaviours.length - 1)];
    return (behaviour as (input: AttemptInput) => Promise<unknown>)(input);
  });
}

const policies: Array<{ dispose(): void }> = [];
function hedged(options: Parameters<typeof createPolicy>[1]) {
  const policy = createPolicy('chat', { registry: null, ...options });
  policies.push(policy);
  return policy;
}

let otel: TestTelemetry;
let warnings: string[];
beforeEach(() => {
  vi.useFakeTimers();
  otel = new TestTelemetry().install();
  warnings = captureDiagWarnings();
});
afterEach(async () => {
  for (const p of policies.splice(0)) p.dispose();
  vi.useRealTimers();
  diag.disable();
  await otel.uninstall();
});

/** Lets the in-memory span exporter's zero-delay timers run, so `vi.getTimerCount()` counts only ours. */
const flushExports = async () => {
  await vi.advanceTimersByTimeAsync(1);
};

const attemptSpans = () => otel.spans().filter(s => s.name === attemptSpanName('chat'));
const kinds = () =>
  attemptSpans()
    .map(s => String(s.attributes[ATTR_RESILIENCE_ATTEMPT_KIND]))
    .sort();

describe('hedging × caller abort / total timeout: every racer span ends', () => {
  // DEFECT 1: the retry loop races the round against the call's signal and records the round's context as soon as
  // the caller aborts, before the round has adopted the reported racer's identity (scope/span). The round then
  // adopts that racer, but nobody records it: its span (started by ensureAttemptSpan when the hedge joined) is
  // never ended, and its attempt duration is lost.
  it('a caller abort mid-race (no stage between hedging and fn) ends both racer spans', async () => {
    const policy = hedged({ hedging: { delayMs: 100 } });
    const caller = new AbortController();
    const fn = sequence(answerAfter(5000, 'slow'), answerAfter(5000, 'slow too'));
    const result = policy.execute(fn, { replaySafe: true, signal: caller.signal });
    await vi.advanceTimersByTimeAsync(150);
    expect(fn).toHaveBeenCalledTimes(2);
    caller.abort();
    await expect(result).rejects.toBeInstanceOf(CallCancelledError);
    await vi.advanceTimersByTimeAsync(10);
    expect(kinds()).toEqual(['hedge', 'original']);
    expect(warnings.filter(w => /ended Span/i.test(w))).toEqual([]);
  });

  it('DEFECT: a caller abort mid-race through a circuit breaker ends both racer spans', async () => {
    // With a stage between the hedging stage and fn, the racer's rejection needs more microtask hops than the
    // retry loop's race against the caller's signal: the loop books the round before the round adopted a racer.
    const policy = hedged({
      circuitBreaker: { breaker: { kind: 'consecutive', threshold: 5 } },
      hedging: { delayMs: 100 },
    });
    const caller = new AbortController();
    const fn = sequence(answerAfter(5000, 'slow'), answerAfter(5000, 'slow too'));
    const result = policy.execute(fn, { replaySafe: true, signal: caller.signal });
    await vi.advanceTimersByTimeAsync(150);
    caller.abort();
    await expect(result).rejects.toBeInstanceOf(CallCancelledError);
    await vi.advanceTimersByTimeAsync(10);
    expect(kinds()).toEqual(['hedge', 'original']);
  });

  it('DEFECT: a total timeout mid-race ends both the original span and the hedge span', async () => {
    const policy = hedged({ totalTimeoutMs: 500, hedging: { delayMs: 100 } });
    const fn = sequence(answerAfter(5000, 'slow'), answerAfter(5000, 'slow too'));
    const result = policy.execute(fn, { replaySafe: true });
    const settled = expect(result).rejects.toMatchObject({ reason: 'deadline' });
    await vi.advanceTimersByTimeAsync(500);
    await settled;
    await vi.advanceTimersByTimeAsync(10);
    expect(kinds()).toEqual(['hedge', 'original']);
  });

  it('leaves no listener on the caller signal and no timer after a caller abort mid-race', async () => {
    const policy = hedged({ hedging: { delayMs: 100, maxHedgedAttempts: 3 } });
    const caller = new AbortController();
    const fn = sequence(answerAfter(5000, 'a'));
    const result = policy.execute(fn, { replaySafe: true, signal: caller.signal });
    await vi.advanceTimersByTimeAsync(150);
    expect(getEventListeners(caller.signal, 'abort').length).toBeGreaterThan(0);
    caller.abort();
    await expect(result).rejects.toBeInstanceOf(CallCancelledError);
    await flushExports();
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(fn).toHaveBeenCalledTimes(2);
  });

  it('leaves no listener on a long-lived caller signal after a hedged call that succeeded', async () => {
    const policy = hedged({ hedging: { delayMs: 100 } });
    const caller = new AbortController();
    const result = policy.execute(sequence(answerAfter(5000, 'slow'), answerAfter(10, 'fast')), {
      replaySafe: true,
      signal: caller.signal,
    });
    await vi.advanceTimersByTimeAsync(110);
    await expect(result).resolves.toBe('fast');
    await flushExports();
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('hedging × total timeout × targets', () => {
  // DEFECT 2: when the total timeout aborts the round, the original fails with a retryable `timeout`, and
  // onFailure's "another target may answer: try it now" starts a hedge to the next target although the call's
  // signal has aborted: the target's function is called (a request sent after the deadline), a budget token is
  // spent and a hedge is counted.
  it('DEFECT: starts no hedge to a target once the call has timed out', async () => {
    const target = vi.fn(answerAfter(10, 'from target'));
    const policy = hedged({
      totalTimeoutMs: 500,
      hedging: { delayMs: 600, targets: [{ name: 'backup', fn: target }] },
    });
    const result = policy.execute(answerAfter(5000, 'slow'), { replaySafe: true });
    const settled = expect(result).rejects.toMatchObject({ reason: 'deadline' });
    await vi.advanceTimersByTimeAsync(500);
    await settled;
    await vi.advanceTimersByTimeAsync(1000);
    expect(target).not.toHaveBeenCalled();
    expect(await otel.total(METRIC_HEDGES)).toBe(0);
  });
});

describe('hedging × targets: a failure that belongs to one target', () => {
  // DEFECT 3: any non-retryable failure of any racer ends the round and aborts the others. For a hedge to ANOTHER
  // target (another model, another provider) a non-retryable failure says nothing about the original's request:
  // a backup whose API key was revoked (401), or a smaller model whose context is too short, aborts an original
  // that was about to answer, so hedging turns a healthy call into a failure.
  it("DEFECT: a target's 401 does not abort the original that answers", async () => {
    const policy = hedged({
      hedging: { delayMs: 100, targets: [{ name: 'backup', fn: () => Promise.reject(httpError(401)) }] },
    });
    const result = policy.execute(answerAfter(300, 'primary'), { replaySafe: true });
    const settled = result.then(
      value => ({ value }),
      error => ({ error }),
    );
    await vi.advanceTimersByTimeAsync(300);
    expect(await settled).toEqual({ value: 'primary' });
  });
});

describe('hedging × retry: Retry-After', () => {
  // DEFECT 4: when every racer fails, the round reports the first racer that ran (the original), whatever the
  // others failed with. A hedge's 429 carrying Retry-After 2 s is recorded and dropped: the retry loop backs off
  // 10 ms on the original's 503 and hits the rate-limited provider again at once. Without hedging it would wait.
  it("DEFECT: a racer's Retry-After holds the retry back though another racer's failure is reported", async () => {
    const fn = sequence(
      failAfter(300, httpError(503)),
      failAfter(10, httpError(429, { 'retry-after-ms': '2000' })),
      answerAfter(10, 'ok'),
    );
    const policy = hedged({
      retry: { maxRetries: 1, initialDelayMs: 10, jitter: 'none' },
      hedging: { delayMs: 100 },
    });
    const result = policy.execute(fn, { replaySafe: true });
    await vi.advanceTimersByTimeAsync(1000);
    // Both racers failed by 300 ms; the 429 asked for 2 s from 110 ms.
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(2000);
    await expect(result).resolves.toBe('ok');
  });
});

describe('hedging × budget', () => {
  // DEFECT 5: a hedging budget of its own (`hedging.budget`, not the retry's) is told about calls (onCall) but
  // never about attempt results (onAttemptResult). A token-bucket budget (gRPC throttling) only drains on failed
  // attempts, so it never denies a hedge however many attempts fail: the budget is inert.
  it('DEFECT: a token-bucket hedging budget learns failed attempts and denies hedges once drained', async () => {
    const budget = createRetryBudget('hedges', {
      kind: 'token_bucket',
      maxTokens: 4,
      tokenRatio: 0.1,
      registry: null,
    });
    const fn = vi.fn(failAfter(200, httpError(503)));
    const policy = hedged({ hedging: { delayMs: 100, budget } });
    for (let i = 0; i < 5; i++) {
      const result = policy.execute(fn, { replaySafe: true });
      const settled = expect(result).rejects.toMatchObject({ classified: { category: 'server_error' } });
      await vi.advanceTimersByTimeAsync(300);
      await settled;
    }
    // 10 failed attempts (2 per call) drain the 4-token bucket below its half: later hedges are denied.
    expect(budget.snapshot().denied).toBeGreaterThan(0);
    expect(fn.mock.calls.length).toBeLessThan(10);
    budget.dispose();
  });

  it("a shared retry budget: the hedge draws from it and the call's onCall is counted once", async () => {
    const budget = createRetryBudget('shared', { ratio: 0.5, minPerSecond: 10, registry: null });
    const policy = hedged({ retry: { maxRetries: 0, budget }, hedging: { delayMs: 100 } });
    const result = policy.execute(sequence(answerAfter(500, 'slow'), answerAfter(10, 'fast')), {
      replaySafe: true,
    });
    await vi.advanceTimersByTimeAsync(110);
    await expect(result).resolves.toBe('fast');
    expect(budget.snapshot()).toMatchObject({ requests: 1, retries: 1, denied: 0 });
    budget.dispose();
  });
});

describe('hedging × half-open breaker', () => {
  it("the original probe losing to a target's hedge frees the probe slot", async () => {
    const breaker = createCircuitBreaker('own', {
      breaker: { kind: 'consecutive', threshold: 1 },
      halfOpenAfterMs: 1000,
      registry: null,
    });
    const backupBreaker = createCircuitBreaker('backup', { registry: null });
    const policy = hedged({
      circuitBreaker: breaker,
      hedging: {
        delayMs: 100,
        targets: [{ name: 'backup', fn: answerAfter(10, 'backup'), circuitBreaker: backupBreaker }],
      },
    });
    // Trip it, then let the open wait pass: the next call is the probe.
    await expect(policy.execute(() => Promise.reject(httpError(503)))).rejects.toBeDefined();
    expect(breaker.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1000);
    const probe = policy.execute(answerAfter(5000, 'slow probe'), { replaySafe: true });
    await vi.advanceTimersByTimeAsync(110);
    await expect(probe).resolves.toBe('backup');
    // The aborted probe was neutral: the circuit is still half-open and its slot is free for the next call.
    expect(breaker.state).toBe('half_open');
    await expect(policy.execute(() => 'next probe')).resolves.toBe('next probe');
    expect(breaker.state).toBe('closed');
    breaker.dispose();
    backupBreaker.dispose();
  });

  it('a hedge the half-open breaker refuses (the original holds the probe) is denied; the probe closes it', async () => {
    const breaker = createCircuitBreaker('own', {
      breaker: { kind: 'consecutive', threshold: 1 },
      halfOpenAfterMs: 1000,
      registry: null,
    });
    const fn = sequence(answerAfter(300, 'probe'), answerAfter(10, 'hedge'));
    const policy = hedged({ circuitBreaker: breaker, hedging: { delayMs: 100 } });
    await expect(policy.execute(() => Promise.reject(httpError(503)))).rejects.toBeDefined();
    await vi.advanceTimersByTimeAsync(1000);
    const result = policy.execute(fn, { replaySafe: true });
    await vi.advanceTimersByTimeAsync(300);
    await expect(result).resolves.toBe('probe');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(breaker.state).toBe('closed');
    expect(await otel.total(METRIC_HEDGES, { [ATTR_RESILIENCE_HEDGE_RESULT]: 'denied' })).toBe(1);
    breaker.dispose();
  });
});

describe('hedging at its limits', () => {
  it('maxHedgedAttempts 10 with delayMs 0: 11 racers, one wins, ten lost, every span ended once, no timer', async () => {
    const signals: AbortSignal[] = [];
    let n = 0;
    const fn = vi.fn((input: AttemptInput) =>
      answerAfter(n++ === 7 ? 5 : 1000, `answer ${n - 1}`, signals)(input),
    );
    const policy = hedged({ hedging: { delayMs: 0, maxHedgedAttempts: 10 } });
    const result = policy.execute(fn, { replaySafe: true });
    await vi.advanceTimersByTimeAsync(5);
    await expect(result).resolves.toBe('answer 7');
    await flushExports();
    expect(fn).toHaveBeenCalledTimes(11);
    expect(signals.filter(s => s.aborted)).toHaveLength(10);
    expect(await otel.total(METRIC_HEDGES, { [ATTR_RESILIENCE_HEDGE_RESULT]: 'won' })).toBe(1);
    expect(await otel.total(METRIC_HEDGES, { [ATTR_RESILIENCE_HEDGE_RESULT]: 'lost' })).toBe(9);
    expect(await otel.total(METRIC_ERRORS)).toBe(0);
    expect(attemptSpans()).toHaveLength(11);
    expect(warnings.filter(w => /ended Span/i.test(w))).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts one error per racer that failed, none for the one aborted, and each result once', async () => {
    // Original: 503 at 250 ms. Hedge 1 (100 ms): 503 at 150 ms. Hedge 2 (200 ms): answers at 210 ms.
    const fn = sequence(
      failAfter(250, httpError(503)),
      failAfter(50, httpError(503)),
      answerAfter(10, 'third'),
    );
    const policy = hedged({ hedging: { delayMs: 100, maxHedgedAttempts: 2 } });
    const result = policy.execute(fn, { replaySafe: true });
    await vi.advanceTimersByTimeAsync(210);
    await expect(result).resolves.toBe('third');
    await flushExports();
    expect(await otel.total(METRIC_ERRORS)).toBe(1);
    expect(await otel.total(METRIC_HEDGES, { [ATTR_RESILIENCE_HEDGE_RESULT]: 'won' })).toBe(1);
    expect(await otel.total(METRIC_HEDGES, { [ATTR_RESILIENCE_HEDGE_RESULT]: 'lost' })).toBe(1);
    expect(kinds()).toEqual(['hedge', 'hedge', 'original']);
    expect(warnings.filter(w => /ended Span/i.test(w))).toEqual([]);
  });
});

describe('hedging × executeStream', () => {
  it('serves the winner tokens once and leaves no listener on the caller signal', async () => {
    const caller = new AbortController();
    const first = provider([{ text: 'a', usage: { inputTokens: 3, outputTokens: 1 } }, ...text('b')]);
    const second = provider([{ text: 'x', usage: { inputTokens: 3, outputTokens: 1 } }, ...text('y')]);
    let n = 0;
    const policy = hedged({ hedging: { delayMs: 0 } });
    const opened = policy.executeStream(input => (n++ === 0 ? first.open : second.open)(input), {
      ...streamOptions,
      replaySafe: true,
      signal: caller.signal,
    });
    await vi.advanceTimersByTimeAsync(5);
    const stream = await opened;
    const read = readAll(stream as AsyncIterable<Chunk>);
    await vi.advanceTimersByTimeAsync(20);
    expect(await read).toBe('ab');
    expect(second.state.closed).toBe(true);
    expect(await otel.total(METRIC_TOKENS, { 'resilience.token.kind': 'served' })).toBe(4);
    await flushExports();
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
