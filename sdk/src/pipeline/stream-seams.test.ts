import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CallCancelledError,
  createAdaptiveRateLimiter,
  createCircuitBreaker,
  createPolicy,
  createRetryBudget,
  StreamBrokenError,
} from '../index.js';
import { EVENT_STREAM_BREAK, METRIC_STREAM_BROKEN } from '../semconv.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { admits, chunks, flush, scripted, watch } from '../test-support/scripted-stream.js';

// Where a committed stream meets the pipeline: the retry loop and timeouts that settle on an abort, the bulkhead and
// breaker that hold a slot until the stream ends, the consumer's return() and the caller's abort at any moment,
// concurrent reads, hostile chunk readers, the total timeout, and the stages that learn from outcomes. Each test
// keeps the repro of a defect found in review (named in its comment).

describe('a committed stream the pipeline loses between the commit and the retry loop', () => {
  // Defect: RetryStage races `attempts(attempt)` against the call's signal. When the caller aborts after openStream
  // returned its CommittedStream (call.beginStream() and attempt.defer() done) but before the race settled, the race
  // rejects `cancelled` and the CommittedStream is dropped: nobody ends it. Its provider iterator is never returned,
  // the bulkhead (which saw call.streaming) waits for endStream forever, and the breaker's permit (a half-open probe)
  // waits for attempt.finish forever. Hedged calls that abort the loser when the winner commits hit this window.
  it('closes the provider stream and gives back the bulkhead slot', async () => {
    const policy = createPolicy('lost', { registry: null, bulkhead: { maxConcurrent: 1 } });
    const caller = new AbortController();
    const source = scripted<string>();
    const call = policy.executeStream(() => source.iterable, { signal: caller.signal }).catch(e => e);
    await flush();
    source.chunk('first'); // the commit chunk arrives…
    queueMicrotask(() => caller.abort()); // …and the caller aborts in the same tick, right after it
    expect(await call).toBeInstanceOf(CallCancelledError);
    await flush();
    expect(source.state.returned).toBe(1);
    expect(await admits(policy)).toBe(true);
    policy.dispose();
  });

  it("frees the half-open breaker's probe", async () => {
    const breaker = createCircuitBreaker('lost-b', {
      registry: null,
      initialState: { state: 'open', openedAt: 0 },
    });
    const policy = createPolicy('lost-b', { registry: null, circuitBreaker: breaker });
    const caller = new AbortController();
    const source = scripted<string>();
    const call = policy.executeStream(() => source.iterable, { signal: caller.signal }).catch(e => e);
    await flush();
    source.chunk('first');
    queueMicrotask(() => caller.abort());
    expect(await call).toBeInstanceOf(CallCancelledError);
    await flush();
    // A cancelled probe is neutral: it frees its slot for the next caller (README, circuit breaker table).
    expect(await admits(policy)).toBe(true);
    policy.dispose();
    breaker.dispose();
  });

  // The same loss happens one stage further in: the attempt timeout's withTimer settles on the caller's abort and
  // drops what `next` resolves with, so a fix in RetryStage alone does not cover it.
  it('gives back the bulkhead slot with an attempt timeout in the pipeline too', async () => {
    const policy = createPolicy('lost-t', {
      registry: null,
      bulkhead: { maxConcurrent: 1 },
      attemptTimeoutMs: 60_000,
    });
    const caller = new AbortController();
    const source = scripted<string>();
    const call = policy.executeStream(() => source.iterable, { signal: caller.signal }).catch(e => e);
    await flush();
    source.chunk('first');
    queueMicrotask(() => caller.abort());
    expect(await call).toBeInstanceOf(CallCancelledError);
    await flush();
    expect(await admits(policy)).toBe(true);
    policy.dispose();
  });
});

describe("the consumer's return() while a read is pending", () => {
  // Defect: CommittedStream.return() aborts the stream's controller and ends the stream, but the pending read's
  // rejection then reaches onFailure, which does not check `ended`: it records a broken stream (category
  // `cancelled`), rejects the pending read with the raw DOMException, and with afterCommit 'fallback-continue' it
  // opens a continuation (a new provider request) after the consumer stopped, counted as a fallback and never closed.
  // (ReadableStream.cancel() during a pull, or Promise.race([it.next(), timeout]) then return(), do exactly this.)
  it("does not open a continuation after the consumer stopped (afterCommit 'fallback-continue')", async () => {
    // As the AI SDK adapter continues: on the next model's policy (here a backup policy with one bulkhead slot).
    const backup = createPolicy('ret-cont-backup', { registry: null, bulkhead: { maxConcurrent: 1 } });
    const policy = createPolicy('ret-cont', {
      registry: null,
      stream: { afterCommit: 'fallback-continue' },
    });
    const caller = new AbortController();
    const source = scripted<string>();
    const continueWith = vi.fn(({ signal }: { signal: AbortSignal }) =>
      backup.executeStream(() => chunks('continued'), { signal }),
    );
    const stream = policy.executeStream(() => source.iterable, {
      signal: caller.signal,
      stream: { continueWith },
    });
    source.chunk('a');
    const iterator = (await stream)[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 'a' });
    const pending = iterator.next().catch(e => e);
    await iterator.return?.(); // what toReadable's cancel() does while a pull is pending (ai-sdk/web-streams.ts)
    await pending;
    await flush();
    // The stopped stream left nothing behind: no backup request holding the backup's slot, no listener on the
    // caller's signal (continueFrom linked a new controller to it after end() had unlinked everything)…
    expect(await admits(backup)).toBe(true);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    // …because no continuation was asked for.
    expect(continueWith).not.toHaveBeenCalled();
    policy.dispose();
    backup.dispose();
  });

  describe('telemetry', () => {
    let otel: TestTelemetry;
    beforeEach(() => {
      otel = new TestTelemetry().install();
    });
    afterEach(async () => {
      await otel.uninstall();
    });

    it('is not a broken stream, and the pending read ends done rather than rejecting a raw AbortError', async () => {
      const policy = createPolicy('ret-tel', { registry: null });
      const source = scripted<string>();
      const stream = policy.executeStream(() => source.iterable);
      source.chunk('a');
      const iterator = (await stream)[Symbol.asyncIterator]();
      await iterator.next();
      const pending = iterator.next().then(
        result => ({ result }),
        error => ({ error }),
      );
      await iterator.return?.();
      const settled = await pending;
      await flush();
      expect(await otel.total(METRIC_STREAM_BROKEN)).toBe(0);
      expect(otel.span('ret-tel').events.map(e => e.name)).not.toContain(EVENT_STREAM_BREAK);
      expect(settled).toEqual({ result: { done: true, value: undefined } });
      policy.dispose();
    });
  });
});

describe("the consumer's return() while continueWith is pending", () => {
  // Defect: continueFrom() awaits continueWith; a return() meanwhile ends the stream (closing the OLD reader).
  // When continueWith resolves, the continuation's iterator is wrapped in a new StreamReader that nobody closes:
  // the continuation request (another model's stream, possibly another policy's resilient stream holding its own
  // bulkhead slot and breaker permit) stays open.
  it("closes the continuation's stream when it arrives", async () => {
    const policy = createPolicy('ret-pending-cont', {
      registry: null,
      stream: { afterCommit: 'fallback-continue' },
    });
    const source = scripted<string>();
    const continuation = scripted<string>();
    let deliver: (stream: AsyncIterable<string>) => void = () => {};
    const continueWith = () =>
      new Promise<AsyncIterable<string>>(resolve => {
        deliver = resolve;
      });
    const stream = policy.executeStream(() => source.iterable, { stream: { continueWith } });
    source.chunk('a');
    const iterator = (await stream)[Symbol.asyncIterator]();
    await iterator.next();
    const pending = iterator.next().catch(e => e);
    source.fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    await flush(); // the break reached continueFrom, which now waits for continueWith
    await iterator.return?.();
    deliver(continuation.iterable);
    await pending;
    await flush();
    expect(continuation.state.returned).toBe(1);
    policy.dispose();
  });
});

describe("the caller's abort after the commit, between two reads", () => {
  // Defect: a CommittedStream notices the caller's abort only at the consumer's next read. A caller that aborts
  // (the stop button) and never reads again leaves the call open: its bulkhead slot, breaker permit and call span
  // are held forever. A fallback's ServedStream ends at once on the same abort (served-stream.ts onCallerAbort);
  // the README promises "the caller's abort closes the provider request at once and counts as a cancellation".
  it('ends the call at once: the bulkhead slot is given back without another read', async () => {
    const policy = createPolicy('idle-abort', { registry: null, bulkhead: { maxConcurrent: 1 } });
    const caller = new AbortController();
    const source = scripted<string>();
    const stream = policy.executeStream(() => source.iterable, { signal: caller.signal });
    source.chunk('a');
    const iterator = (await stream)[Symbol.asyncIterator]();
    await iterator.next();
    caller.abort();
    await flush();
    expect(source.state.returned).toBe(1);
    expect(await admits(policy)).toBe(true);
    policy.dispose();
  });
});

describe('concurrent reads of a committed stream', () => {
  // Defect: StreamReader keeps ONE `pending` rejecter; a second concurrent next() overwrites the first, so the
  // caller's abort (or a stall) cuts only the last pull and the first read hangs while the provider ignores its
  // signal. (Same single-slot pattern as ServedStream.rejectPending below.)
  it("the caller's abort settles every pending read, not only the last", async () => {
    const caller = new AbortController();
    const policy = createPolicy('committed-concurrent', { registry: null });
    const source = scripted<string>();
    const stream = policy.executeStream(() => source.iterable, { signal: caller.signal });
    source.chunk('a');
    const iterator = (await stream)[Symbol.asyncIterator]();
    await iterator.next();
    const first = watch(iterator.next());
    const second = watch(iterator.next());
    caller.abort();
    await flush();
    expect(second.settled).toBe(true);
    expect(first.settled).toBe(true);
    policy.dispose();
  });
});

describe('hostile chunk readers', () => {
  // Defect: UsageTally.add() guards only `undefined`. A usageOf that returns null (OpenAI chunks carry
  // `usage: null` on every chunk but the last, so `usageOf: c => c.usage` does) makes add() read `null.inputTokens`
  // OUTSIDE the safelyGet that wraps usageOf (stream.ts:109, committed-stream.ts:111): before the commit the attempt
  // fails with a non-retryable TypeError; after it, onChunk throws, the consumer gets the TypeError and the stream
  // is never ended (no attempt.finish, no endStream, no call span end).
  const nullUsage = { stream: { usageOf: () => null as unknown as undefined } };

  it('a usageOf returning null does not fail the call', async () => {
    const policy = createPolicy('null-usage', { registry: null });
    const stream = await policy.executeStream(() => chunks('a', 'b'), nullUsage);
    const read: string[] = [];
    for await (const chunk of stream) read.push(chunk);
    expect(read).toEqual(['a', 'b']);
    policy.dispose();
  });

  it('a usageOf returning null after the commit neither breaks the stream nor leaves it open', async () => {
    const policy = createPolicy('null-usage-after', { registry: null, bulkhead: { maxConcurrent: 1 } });
    let commit = true;
    // null only after the commit chunk
    const usageOf = () => (commit ? undefined : (null as unknown as undefined));
    const stream = await policy.executeStream(() => chunks('a', 'b'), { stream: { usageOf } });
    commit = false;
    const read: string[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) read.push(chunk);
    })().catch(e => e);
    expect(failure).toBeUndefined();
    expect(read).toEqual(['a', 'b']);
    expect(await admits(policy)).toBe(true);
    policy.dispose();
  });
});

describe('the total timeout and a committed stream', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // Defect: totalTimeoutMs is documented as "bound on the whole call; ends it with reason
  // deadline", and a streamed call's span and duration run to the stream's end, but the total timer is cleared at
  // the commit (withTimer settles when the chain resolves; openStream unlinks the attempt signal): a committed
  // stream that trickles or hangs without a stallTimeoutMs runs past the deadline forever.
  it('ends a committed stream that outlives totalTimeoutMs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const policy = createPolicy('total', { registry: null, totalTimeoutMs: 1_000 });
    const source = scripted<string>();
    const stream = policy.executeStream(() => source.iterable);
    source.chunk('a');
    const iterator = (await stream)[Symbol.asyncIterator]();
    await iterator.next();
    const pending = watch(iterator.next());
    await vi.advanceTimersByTimeAsync(5_000);
    expect(pending.settled).toBe(true);
    expect(source.state.returned).toBe(1);
    policy.dispose();
  });
});

describe('stages that learn from outcomes, for a stream that breaks after its commit', () => {
  // Defect: only the breaker, recovery and the attempt telemetry defer to attempt.onFinish. The adaptive rate
  // limiter (observe(): update(false) at the commit), the retry budget (onAttemptResult(true) in RetryStage) and the
  // adaptive retry limit (onCallResult(true)) book a committed stream as a success at its commit, whatever its end.
  const overloaded = () => httpError(529, {}, 'Overloaded');

  it('the adaptive rate limiter counts an overloaded error after the commit as a throttle', async () => {
    const limiter = createAdaptiveRateLimiter('arl');
    const policy = createPolicy('arl', { registry: null, adaptiveRateLimiter: limiter });
    const source = scripted<string>();
    const stream = policy.executeStream(() => source.iterable);
    source.chunk('a');
    const iterator = (await stream)[Symbol.asyncIterator]();
    await iterator.next();
    source.fail(overloaded()); // an Anthropic overloaded_error event mid-stream
    expect(await iterator.next().catch(e => e)).toBeInstanceOf(StreamBrokenError);
    expect(limiter.snapshot().throttles).toBe(1);
    policy.dispose();
  });

  it('the token-bucket retry budget takes a token for a stream that broke after its commit', async () => {
    const budget = createRetryBudget('tb', { kind: 'token_bucket', registry: null });
    const policy = createPolicy('tb', { registry: null, retry: { maxRetries: 1, budget } });
    const before = budget.snapshot().available;
    const source = scripted<string>();
    const stream = policy.executeStream(() => source.iterable);
    source.chunk('a');
    const iterator = (await stream)[Symbol.asyncIterator]();
    await iterator.next();
    source.fail(httpError(503));
    expect(await iterator.next().catch(e => e)).toBeInstanceOf(StreamBrokenError);
    // gRPC A6: a failed attempt takes a token (10 → 9, available 5 → 4); a success would give 0.1 back.
    expect(budget.snapshot().available).toBe(before - 1);
    policy.dispose();
    budget.dispose();
  });
});

describe('a provider stream after its end', () => {
  // Defect: a stream committed at its end (a final chunk without content, see isFinal) was read again after it
  // said done; LangChain's stream then throws ERR_INVALID_STATE, which reached the consumer as a StreamBrokenError
  // classified `programming`.
  it('is not read again once it said done', async () => {
    const policy = createPolicy('after-done', { registry: null });
    let nexts = 0;
    const source: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          nexts++;
          if (nexts === 1) return { done: false, value: 'final' };
          if (nexts === 2) return { done: true, value: undefined };
          throw Object.assign(new TypeError('The reader is not attached to a stream'), {
            code: 'ERR_INVALID_STATE',
          });
        },
      }),
    };
    const stream = await policy.executeStream(() => source, {
      stream: { isContent: () => false, isFinal: chunk => chunk === 'final' },
    });
    const read: string[] = [];
    for await (const chunk of stream) read.push(chunk);
    expect(read).toEqual(['final']);
    expect(nexts).toBe(2);
    policy.dispose();
  });
});
