import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallCancelledError, createCircuitBreaker, createPolicy, StreamBrokenError } from '../index.js';
import {
  ATTR_RESILIENCE_FALLBACK_KIND,
  ATTR_RESILIENCE_STREAM_COMMITTED,
  ATTR_RESILIENCE_TIMEOUT_KIND,
  ATTR_RESILIENCE_TOKEN_KIND,
  METRIC_CALL_DURATION,
  METRIC_FALLBACKS,
  METRIC_GEN_AI_TIME_TO_FIRST_CHUNK,
  METRIC_STREAM_BROKEN,
  METRIC_STREAM_STALLS,
  METRIC_TIMEOUTS,
  METRIC_TOKENS,
} from '../semconv.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { type Chunk, provider, readAll, streamOptions, text } from '../test-support/provider-stream.js';

describe('executeStream', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function settle<T>(promise: Promise<T>): Promise<T> {
    const done = promise.then(
      v => ({ v }),
      e => ({ e }),
    );
    await vi.runAllTimersAsync();
    const r = (await done) as { v?: T; e?: unknown };
    if ('e' in r) throw r.e;
    return r.v as T;
  }

  it('resolves at the commit and streams every chunk; the breaker books the stream when it ends', async () => {
    const breaker = createCircuitBreaker('b', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
    });
    const policy = createPolicy('p', { registry: null, circuitBreaker: breaker });
    const source = provider([{}, ...text('Hel', 'lo')]);
    const stream = await settle(policy.executeStream(source.open, streamOptions));
    expect(breaker.snapshot().successes).toBe(0);
    expect(await settle(readAll(stream))).toBe('Hello');
    expect(breaker.snapshot()).toMatchObject({ successes: 1, failures: 0 });
    expect(vi.getTimerCount()).toBe(0);
    policy.dispose();
    breaker.dispose();
  });

  it('retries a failure before the first content chunk without the consumer seeing it', async () => {
    const sources = [provider([{}], { throw: httpError(503) }), provider(text('ok'))];
    let attempt = 0;
    const policy = createPolicy('p', { registry: null, retry: { maxRetries: 1, initialDelayMs: 0 } });
    const stream = await settle(
      policy.executeStream(input => sources[attempt++]!.open(input), streamOptions),
    );
    expect(await settle(readAll(stream))).toBe('ok');
    expect(sources[0]!.state.closed).toBe(true);
    expect(attempt).toBe(2);
  });

  it('classifies an error frame in the first chunk like the HTTP error it carries (429 with Retry-After)', async () => {
    const frame = httpError(429, { 'retry-after-ms': '50' });
    const sources = [provider([{ error: frame }]), provider(text('ok'))];
    let attempt = 0;
    const onRetry = vi.fn();
    const policy = createPolicy('p', {
      registry: null,
      retry: { maxRetries: 1, initialDelayMs: 1, onRetry },
    });
    const stream = await settle(
      policy.executeStream(input => sources[attempt++]!.open(input), streamOptions),
    );
    expect(await settle(readAll(stream))).toBe('ok');
    expect(onRetry).toHaveBeenCalledWith(
      expect.objectContaining({
        delayMs: 50,
        delaySource: 'retry_after',
        error: expect.objectContaining({ category: 'rate_limited' }),
      }),
    );
  });

  it('a first-chunk timeout and a stall before the commit are retryable timeouts', async () => {
    const sources = [provider([], 'hang-ignoring-signal'), provider([{}], 'stall'), provider(text('third'))];
    let attempt = 0;
    const policy = createPolicy('p', {
      registry: null,
      retry: { maxRetries: 2, initialDelayMs: 0 },
      stream: { firstChunkTimeoutMs: 100, stallTimeoutMs: 1_000 },
    });
    const stream = await settle(
      policy.executeStream(input => sources[attempt++]!.open(input), streamOptions),
    );
    expect(await settle(readAll(stream))).toBe('third');
    expect(sources.map(s => s.state.signal?.aborted)).toEqual([true, true, false]);
  });

  it('with stallTimeoutMs only, waiting for fn to open its stream is a silence too (a client that opens at the first token)', async () => {
    // Repro (adapter review): @ai-sdk/openai's chat doStream resolves only at the first output chunk, so a provider
    // silent after its headers never armed the stall watchdog: the call hung on the stalled primary.
    const opened: AbortSignal[] = [];
    const policy = createPolicy('p', {
      registry: null,
      retry: { maxRetries: 1, initialDelayMs: 0 },
      stream: { stallTimeoutMs: 50 },
    });
    const stream = await settle(
      policy.executeStream(({ signal, attempt }) => {
        opened.push(signal);
        if (attempt === 0) return new Promise<AsyncIterable<Chunk>>(() => {});
        return provider(text('backup')).open({ signal });
      }, streamOptions),
    );
    expect(await settle(readAll(stream))).toBe('backup');
    expect(opened[0]?.reason).toMatchObject({ kind: 'stall' });
    policy.dispose();
  });

  it('with firstChunkTimeoutMs, a silence before the commit is bounded by it alone (a long time to first token)', async () => {
    const policy = createPolicy('p', {
      registry: null,
      retry: { maxRetries: 0 },
      stream: { firstChunkTimeoutMs: 1_000, stallTimeoutMs: 50 },
    });
    const slowFirstToken = ({ signal }: { signal: AbortSignal }): AsyncIterable<Chunk> => ({
      async *[Symbol.asyncIterator]() {
        yield {}; // a role-only chunk, then 300 ms of "thinking"
        await new Promise(resolve => setTimeout(resolve, 300));
        if (!signal.aborted) yield* text('answer');
      },
    });
    const stream = await settle(policy.executeStream(slowFirstToken, streamOptions));
    expect(await settle(readAll(stream))).toBe('answer');
    policy.dispose();
  });

  it('a stream that completes after a final chunk without content is an empty answer, not retried', async () => {
    // Repro (adapter review): an empty reply, or a reasoning model whose output budget went on hidden reasoning
    // (finish 'length'), ended in EmptyStreamError: retried, sent to every fallback, booked as a breaker failure.
    const policy = createPolicy('p', { registry: null, retry: { maxRetries: 2, initialDelayMs: 0 } });
    let attempts = 0;
    const finishOnly = { finish: 'length' } as Chunk & { finish: string };
    const stream = await settle(
      policy.executeStream(
        input => {
          attempts++;
          return provider([finishOnly]).open(input);
        },
        { stream: { ...streamOptions.stream, isFinal: c => 'finish' in c } },
      ),
    );
    const chunks: unknown[] = [];
    await settle(
      (async () => {
        for await (const c of stream) chunks.push(c);
      })(),
    );
    expect(chunks).toEqual([finishOnly]);
    expect(attempts).toBe(1);
    // Without a final chunk, an empty stream is still a failure of the provider.
    await expect(
      settle(policy.executeStream(provider([{}]).open, { ...streamOptions, signal: undefined })),
    ).rejects.toMatchObject({ classified: { category: 'server_error' } });
    policy.dispose();
  });

  it('a stall after the commit ends the stream with StreamBrokenError, booked as a failure', async () => {
    const breaker = createCircuitBreaker('b', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
    });
    const policy = createPolicy('p', {
      registry: null,
      circuitBreaker: breaker,
      stream: { stallTimeoutMs: 50 },
    });
    const source = provider(text('partial'), 'hang-ignoring-signal');
    const stream = await settle(policy.executeStream(source.open, streamOptions));
    const chunks: string[] = [];
    const failure = await settle(
      (async () => {
        for await (const chunk of stream) chunks.push(chunk.text ?? '');
      })().catch(e => e),
    );
    expect(chunks).toEqual(['partial']);
    expect(failure).toBeInstanceOf(StreamBrokenError);
    expect(failure).toMatchObject({ reason: 'broken', chunks: 1 });
    expect(failure.classified.category).toBe('timeout');
    expect(breaker.state).toBe('open');
    expect(source.state.signal?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    policy.dispose();
    breaker.dispose();
  });

  it("the consumer's break closes the provider request and is a cancellation, not a failure", async () => {
    const breaker = createCircuitBreaker('b', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
    });
    const policy = createPolicy('p', { registry: null, circuitBreaker: breaker });
    const source = provider(text('a', 'b', 'c'), 'stall');
    const stream = await settle(policy.executeStream(source.open, streamOptions));
    for await (const chunk of stream) if (chunk.text === 'a') break;
    expect(source.state.signal?.aborted).toBe(true);
    await vi.runAllTimersAsync();
    expect(source.state.closed).toBe(true);
    expect(breaker.snapshot()).toMatchObject({ failures: 0, ignored: 1, state: 'closed' });
    policy.dispose();
    breaker.dispose();
  });

  it('a client that ends its stream quietly on abort is still a stall, not a completed stream', async () => {
    const policy = createPolicy('p', { registry: null, stream: { stallTimeoutMs: 50 } });
    const stream = await settle(
      policy.executeStream(provider(text('partial'), 'quiet-on-abort').open, streamOptions),
    );
    const failure = await settle(readAll(stream).catch(e => e));
    expect(failure).toBeInstanceOf(StreamBrokenError);
    expect(failure.classified.category).toBe('timeout');
  });

  it("the caller's abort after the commit ends the stream with CallCancelledError and leaves no listener", async () => {
    const caller = new AbortController();
    const policy = createPolicy('p', { registry: null });
    const source = provider(text('a'), 'hang-ignoring-signal');
    const stream = await settle(
      policy.executeStream(source.open, { ...streamOptions, signal: caller.signal }),
    );
    const iterator = stream[Symbol.asyncIterator]();
    await settle(iterator.next());
    const pending = iterator.next().catch(e => e);
    caller.abort();
    expect(await pending).toBeInstanceOf(CallCancelledError);
    expect(source.state.signal?.aborted).toBe(true);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it("afterCommit 'fallback-continue' hands the partial output to continueWith and appends its stream", async () => {
    const policy = createPolicy('p', { registry: null, stream: { afterCommit: 'fallback-continue' } });
    const source = provider(text('Hel'), {
      throw: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    });
    const continueWith = vi.fn(({ partial }: { partial: readonly Chunk[] }) =>
      provider(text(`[after ${partial.map(c => c.text).join('')}]lo`)).open({
        signal: new AbortController().signal,
      }),
    );
    const stream = await settle(
      policy.executeStream(source.open, { stream: { ...streamOptions.stream, continueWith } }),
    );
    expect(await settle(readAll(stream))).toBe('Hel[after Hel]lo');
    expect(continueWith).toHaveBeenCalledWith(
      expect.objectContaining({ error: expect.objectContaining({ category: 'network' }) }),
    );
  });

  it('a committed stream keeps its bulkhead slot until it ends', async () => {
    const policy = createPolicy('p', { registry: null, bulkhead: { maxConcurrent: 1 } });
    const stream = await settle(policy.executeStream(provider(text('a', 'b')).open, streamOptions));
    await expect(policy.executeStream(provider(text('c')).open, streamOptions)).rejects.toMatchObject({
      strategy: 'bulkhead',
    });
    expect(await settle(readAll(stream))).toBe('ab');
    const next = await settle(policy.executeStream(provider(text('c')).open, streamOptions));
    expect(await settle(readAll(next))).toBe('c');
  });

  it('serves a fallback as a stream when no attempt commits', async () => {
    const policy = createPolicy('p', { registry: null, fallback: { value: { text: 'sorry' } } });
    const stream = await settle(
      policy.executeStream(provider([], { throw: httpError(503) }).open, streamOptions),
    );
    expect(await settle(readAll(stream as AsyncIterable<Chunk>))).toBe('sorry');
  });
});

describe('executeStream telemetry', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it('records time to first chunk, broken streams, stalls, tokens and ends the call span with the stream', async () => {
    const policy = createPolicy('p', {
      registry: null,
      retry: { maxRetries: 1, initialDelayMs: 0 },
      stream: { stallTimeoutMs: 30 },
    });
    const sources = [
      provider([{ usage: { inputTokens: 10, outputTokens: 0 } }], 'stall'),
      provider([...text('ok'), { usage: { inputTokens: 10, outputTokens: 3 } }]),
    ];
    let attempt = 0;
    const stream = await policy.executeStream(input => sources[attempt++]!.open(input), streamOptions);
    expect(otel.spans().filter(s => s.name === 'p')).toHaveLength(0);
    expect(await readAll(stream)).toBe('ok');
    expect(otel.spans().filter(s => s.name === 'p')).toHaveLength(1);
    expect(await otel.total(METRIC_GEN_AI_TIME_TO_FIRST_CHUNK)).toBe(1);
    expect(await otel.total(METRIC_STREAM_BROKEN, { [ATTR_RESILIENCE_STREAM_COMMITTED]: false })).toBe(1);
    expect(await otel.total(METRIC_STREAM_STALLS, { [ATTR_RESILIENCE_STREAM_COMMITTED]: false })).toBe(1);
    expect(await otel.total(METRIC_TIMEOUTS, { [ATTR_RESILIENCE_TIMEOUT_KIND]: 'stall' })).toBe(1);
    expect(await otel.total(METRIC_TOKENS, { [ATTR_RESILIENCE_TOKEN_KIND]: 'wasted' })).toBe(10);
    expect(await otel.total(METRIC_TOKENS, { [ATTR_RESILIENCE_TOKEN_KIND]: 'served' })).toBe(13);
    expect(await otel.total(METRIC_CALL_DURATION)).toBe(1);
    policy.dispose();
  });

  it('counts a continuation as a fallback', async () => {
    const policy = createPolicy('p', { registry: null, stream: { afterCommit: 'fallback-continue' } });
    const stream = await policy.executeStream(provider(text('a'), { throw: httpError(503) }).open, {
      stream: {
        ...streamOptions.stream,
        continueWith: () => provider(text('b')).open({ signal: new AbortController().signal }),
      },
    });
    expect(await readAll(stream)).toBe('ab');
    expect(await otel.total(METRIC_FALLBACKS, { [ATTR_RESILIENCE_FALLBACK_KIND]: 'continuation' })).toBe(1);
    expect(await otel.total(METRIC_STREAM_BROKEN, { [ATTR_RESILIENCE_STREAM_COMMITTED]: true })).toBe(1);
    policy.dispose();
  });

  it('reads span.endAttributes as the stream ends (and as an ordinary call ends, failed or not)', async () => {
    const policy = createPolicy('p', { registry: null });
    let read = 0;
    const span = { endAttributes: () => ({ 'test.chunks_read': read }) };
    const stream = await policy.executeStream(input => provider(text('a', 'b')).open(input), {
      ...streamOptions,
      span,
    });
    for await (const _ of stream) read++;
    await policy.execute(() => read++, { span }).catch(() => {});
    await policy
      .execute(
        () => {
          throw httpError(400);
        },
        { span },
      )
      .catch(() => {});
    expect(otel.spans().map(s => s.attributes['test.chunks_read'])).toEqual([2, 3, 3]);
    policy.dispose();
  });
});
