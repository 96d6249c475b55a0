import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallCancelledError, createPolicy } from '../index.js';
import { METRIC_GEN_AI_TIME_TO_FIRST_CHUNK } from '../semconv.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { type Chunk, provider, readAll, streamOptions, text } from '../test-support/provider-stream.js';

// Where fallbacks meet streams: what a fallback serves to a streamed call must behave like a stream of that call
// (the caller's abort ends it, the call's span ends with it, a cache replays a stream rather than handing out a
// single-use one twice).

const failing = (status: number) => provider([], { throw: httpError(status) }).open;

describe('fallbacks of streamed calls', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it("the cache fallback replays a completed stream's chunks, as often as it serves", async () => {
    // Repro: the cache stored the single-use committed stream, so the hit threw "A resilient stream can be read
    // once" while the call counted as served by the cache.
    const policy = createPolicy('p', { registry: null, fallback: { cache: {} } });
    const options = { ...streamOptions, cacheKey: 'k' };
    expect(await readAll(await policy.executeStream(provider(text('a', 'b')).open, options))).toBe('ab');
    for (let i = 0; i < 2; i++) {
      const served = await policy.executeStream(failing(401), options);
      expect(await readAll(served as AsyncIterable<Chunk>)).toBe('ab');
    }
    policy.dispose();
  });

  it('caches neither a stream the consumer stopped nor one that broke; streams and plain values never cross', async () => {
    const policy = createPolicy('p', { registry: null, fallback: { cache: {} } });
    const options = { ...streamOptions, cacheKey: 'k' };
    for await (const _ of await policy.executeStream(provider(text('a', 'b')).open, options)) break;
    const broken = await policy.executeStream(provider(text('x'), { throw: httpError(503) }).open, options);
    await expect(readAll(broken)).rejects.toMatchObject({ reason: 'broken' });
    await policy.execute(() => 'plain value', { cacheKey: 'k' });
    await expect(policy.executeStream(failing(401), options)).rejects.toMatchObject({
      classified: { category: 'authentication' },
    });
    // …and an ordinary call is never served a cached stream.
    await readAll(await policy.executeStream(provider(text('s')).open, { ...options, cacheKey: 'k2' }));
    await expect(
      policy.execute(
        () => {
          throw httpError(401);
        },
        { cacheKey: 'k2' },
      ),
    ).rejects.toMatchObject({ classified: { category: 'authentication' } });
    policy.dispose();
  });

  it("a fallback's stream follows the caller's abort after the factory returned, and leaves no listener", async () => {
    const caller = new AbortController();
    const backup = provider(text('b1'), 'hang-ignoring-signal');
    const policy = createPolicy('p', {
      registry: null,
      fallback: { factory: ({ signal }) => backup.open({ signal }) },
    });
    const stream = await policy.executeStream(failing(503), { ...streamOptions, signal: caller.signal });
    const iterator = (stream as AsyncIterable<Chunk>)[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ text: 'b1' });
    const pending = iterator.next().catch(e => e);
    caller.abort();
    expect(await pending).toBeInstanceOf(CallCancelledError);
    expect(backup.state.signal?.aborted).toBe(true);
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
    policy.dispose();
  });

  it("the call span of a stream served by a fallback ends with that stream, and another policy's stream keeps its own end", async () => {
    const backupPolicy = createPolicy('backup', { registry: null });
    const policy = createPolicy('primary', {
      registry: null,
      fallback: {
        factory: ({ signal }) =>
          backupPolicy.executeStream(provider(text('b1', 'b2')).open, { ...streamOptions, signal }),
      },
    });
    const stream = await policy.executeStream(failing(503), streamOptions);
    expect(otel.spans().map(s => s.name)).toEqual([]);
    expect(await readAll(stream as AsyncIterable<Chunk>)).toBe('b1b2');
    expect(
      otel
        .spans()
        .map(s => s.name)
        .sort(),
    ).toEqual(['backup', 'primary']);
    policy.dispose();
    backupPolicy.dispose();
  });

  it('time to first chunk is the committed attempt of the call, not a value fallback', async () => {
    const policy = createPolicy('p', { registry: null, fallback: { value: { text: 'sorry' } } });
    const stream = await policy.executeStream(failing(503), streamOptions);
    expect(await readAll(stream as AsyncIterable<Chunk>)).toBe('sorry');
    expect(await otel.total(METRIC_GEN_AI_TIME_TO_FIRST_CHUNK)).toBe(0);
    policy.dispose();
  });
});
