import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallCancelledError, createPolicy, type ResiliencePolicy, StreamBrokenError } from '../index.js';
import {
  ATTR_RESILIENCE_STREAM_COMMITTED,
  METRIC_FALLBACKS,
  METRIC_STREAM_BROKEN,
  METRIC_TOKENS,
} from '../semconv.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { chunks, flush, scripted, watch } from '../test-support/scripted-stream.js';

// A fallback's stream served to a streamed call (ServedStream) and continuations of a broken stream
// (afterCommit 'fallback-continue'), where they meet the caller's abort, hostile streams and the telemetry. Each
// test keeps the repro of a defect found in review (named in its comment).

describe('fallbacks of streamed calls', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  // Defect: ServedStream.next() calls `this.source.next().then(...)` inside a Promise executor: a fallback stream
  // whose next() throws (or returns a non-promise) rejects the consumer's read, but end() is never called, so the
  // call span, the call metrics and the fallback's link to the caller's signal are never ended.
  it('a fallback stream whose next() throws still ends the call (span ended, outcome recorded)', async () => {
    const hostile: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          throw new Error('hostile next');
        },
      }),
    };
    const policy = createPolicy('served-throw', { registry: null, fallback: { value: hostile } });
    const stream = await policy.executeStream(() => {
      throw httpError(503);
    });
    const failure = await stream[Symbol.asyncIterator]()
      .next()
      .catch(e => e);
    expect(failure).toBeInstanceOf(Error);
    expect(otel.spans().filter(s => s.name === 'served-throw')).toHaveLength(1);
    policy.dispose();
  });

  // Defect: ServedStream passes its source's errors through as they are: a fallback's raw provider stream (a factory
  // returning `client.messages.create({ stream: true })`, or a `value` stream) that drops after its first chunk
  // reaches the consumer as the raw network error, not the StreamBrokenError the README promises for a break after
  // the commit, and no resilience.stream.broken is recorded.
  it("a fallback's stream that breaks reaches the consumer as a StreamBrokenError", async () => {
    const backup = scripted<string>();
    backup.chunk('backup says');
    backup.fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const policy = createPolicy('served-break', {
      registry: null,
      fallback: { factory: () => backup.iterable },
    });
    const stream = await policy.executeStream((): AsyncIterable<string> => {
      throw httpError(503);
    });
    const read: unknown[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) read.push(chunk);
    })().catch(e => e);
    expect(read).toEqual(['backup says']);
    expect(failure).toBeInstanceOf(StreamBrokenError);
    // The primary's 503 is a break before the commit; the backup's drop the one after it.
    expect(await otel.total(METRIC_STREAM_BROKEN, { [ATTR_RESILIENCE_STREAM_COMMITTED]: true })).toBe(1);
    policy.dispose();
  });

  // Defect: ServedStream keeps ONE rejectPending; a second concurrent next() overwrites the first, so the caller's
  // abort rejects only the last read and the first hangs when the fallback's stream ignores its signal.
  it("the caller's abort settles every pending read of a served stream, not only the last", async () => {
    const hanging = scripted<string>();
    const caller = new AbortController();
    const policy = createPolicy('served-concurrent', {
      registry: null,
      fallback: { factory: () => hanging.iterable },
    });
    const stream = await policy.executeStream(
      () => {
        throw httpError(503);
      },
      { signal: caller.signal },
    );
    const iterator = stream[Symbol.asyncIterator]();
    const first = watch(iterator.next());
    const second = watch(iterator.next());
    caller.abort();
    await flush();
    expect(second.settled).toBe(true);
    expect(first.settled).toBe(true);
    policy.dispose();
  });

  // Defect: the fallback stage races the factory against the caller's signal; a factory that ignores its signal
  // and resolves with a stream after the abort has its stream dropped, never closed. When that stream is another
  // policy's resilient stream (README: `factory: ({ signal }) => agent.modelStream(…)`), that policy's call never
  // ends either (span, bulkhead slot, breaker permit).
  it('closes a stream a fallback factory returns after the caller aborted', async () => {
    const late = scripted<string>();
    let resolveFactory: (stream: AsyncIterable<string>) => void = () => {};
    const caller = new AbortController();
    const policy = createPolicy('late-fallback', {
      registry: null,
      fallback: {
        factory: () =>
          new Promise<AsyncIterable<string>>(resolve => {
            resolveFactory = resolve;
          }),
      },
    });
    const call = policy
      .executeStream(
        () => {
          throw httpError(503);
        },
        { signal: caller.signal },
      )
      .catch(e => e);
    await flush();
    caller.abort();
    expect(await call).toBeInstanceOf(CallCancelledError);
    resolveFactory(late.iterable);
    await flush();
    expect(late.state.returned).toBe(1);
    policy.dispose();
  });
});

describe('continuations (afterCommit fallback-continue)', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  interface Chunk {
    readonly text?: string;
    readonly usage?: { inputTokens: number; outputTokens: number };
  }
  const readers = { isContent: (c: Chunk) => c.text !== undefined, usageOf: (c: Chunk) => c.usage };

  async function continued(policy: ResiliencePolicy<unknown>): Promise<string> {
    const source = scripted<Chunk>();
    source.chunk({ usage: { inputTokens: 100, outputTokens: 0 } }); // Anthropic message_start: the prompt was paid
    source.chunk({ text: 'Hel' });
    source.fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const stream = await policy.executeStream(() => source.iterable, {
      stream: {
        ...readers,
        continueWith: () =>
          chunks<Chunk>(
            { usage: { inputTokens: 120, outputTokens: 0 } },
            { text: 'lo' },
            {
              usage: { inputTokens: 120, outputTokens: 5 },
            },
          ),
      },
    });
    let out = '';
    for await (const chunk of stream) out += chunk.text ?? '';
    return out;
  }

  // Defect: one UsageTally (largest report of each kind wins, core/token-usage.ts) spans the broken stream and its
  // continuation, two provider requests whose counts each start at 0: the broken request's 100 input tokens vanish
  // (neither served nor wasted). The broken part's usage should be booked (as wasted, like a broken attempt's)
  // when the continuation starts, and the continuation tallied apart.
  it("counts the broken request's tokens as well as the continuation's", async () => {
    const policy = createPolicy('cont-tokens', {
      registry: null,
      stream: { afterCommit: 'fallback-continue' },
    });
    expect(await continued(policy)).toBe('Hello');
    expect(await otel.total(METRIC_TOKENS)).toBe(100 + 120 + 5);
    policy.dispose();
  });

  // Defect: a continuation is recorded as a fallback (metric, span event, outcome `fallback`) but the policy's
  // onFallback event, "a fallback served a call", is not emitted: the continuation bypasses FallbackStage.onServed.
  it('tells onFallback listeners about a continuation', async () => {
    const policy = createPolicy('cont-event', {
      registry: null,
      stream: { afterCommit: 'fallback-continue' },
    });
    const kinds: string[] = [];
    policy.onFallback(event => kinds.push(event.kind));
    expect(await continued(policy)).toBe('Hello');
    expect(kinds).toEqual(['continuation']);
    policy.dispose();
  });

  // Defect: the continuation was counted (resilience.fallbacks, onFallback) before continueWith was asked, so a
  // continueWith that declines (the adapters refuse to continue a half-streamed tool call) counted a continuation
  // that never happened.
  it('counts no continuation when continueWith declines: the consumer gets the break', async () => {
    const policy = createPolicy('cont-declined', {
      registry: null,
      stream: { afterCommit: 'fallback-continue' },
    });
    const kinds: string[] = [];
    policy.onFallback(event => kinds.push(event.kind));
    const source = scripted<string>();
    source.chunk('a');
    source.fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const stream = await policy.executeStream(() => source.iterable, {
      stream: {
        continueWith: () => {
          throw new Error('a tool call cannot be continued');
        },
      },
    });
    const read: string[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) read.push(chunk);
    })().catch(e => e);
    expect(read).toEqual(['a']);
    expect(failure).toBeInstanceOf(StreamBrokenError);
    expect(kinds).toEqual([]);
    expect(await otel.total(METRIC_FALLBACKS)).toBe(0);
    expect(await otel.total(METRIC_STREAM_BROKEN, { [ATTR_RESILIENCE_STREAM_COMMITTED]: true })).toBe(1);
    policy.dispose();
  });
});
