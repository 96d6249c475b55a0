import { describe, expect, it, vi } from 'vitest';
import { classifyError } from '../../classify/classifier.js';
import { readChunks } from '../../test-support/provider-stream.js';
import { faultyStream } from './faulty-stream.js';
import type { ChaosFaultSpec } from './types.js';

/** A provider-like stream of `count` chunks that records whether it was closed (its `return()`). */
function source(count: number) {
  const state = { pulled: 0, closed: false };
  const iterable: AsyncIterable<string> = {
    [Symbol.asyncIterator]: () => ({
      next: async () =>
        state.pulled < count
          ? { done: false, value: `c${state.pulled++}` }
          : { done: true, value: undefined },
      return: async () => {
        state.closed = true;
        return { done: true, value: undefined };
      },
    }),
  };
  return { iterable, state };
}

const spec = (fault: ChaosFaultSpec['fault'], afterChunks: number, provider?: 'openai' | 'anthropic') =>
  ({ fault, rate: 1, afterChunks, ...(provider ? { provider } : {}) }) as ChaosFaultSpec;

describe('faultyStream', () => {
  it('stream_drop: delivers afterChunks chunks, then throws undici "terminated" and closes the source', async () => {
    const { iterable, state } = source(5);
    const onFault = vi.fn();
    const { chunks, error } = await readChunks(
      faultyStream(iterable, spec('stream_drop', 2), new AbortController().signal, onFault),
    );
    expect(chunks).toEqual(['c0', 'c1']);
    expect(error).toBeInstanceOf(TypeError);
    expect(classifyError(error)).toMatchObject({ category: 'network', injected: true });
    expect(onFault).toHaveBeenCalledTimes(1);
    expect(state).toEqual({ pulled: 2, closed: true });
  });

  it.each([
    ['openai', 'server_error'],
    ['anthropic', 'overloaded'],
  ] as const)('stream_error: the %s error frame after the chunks', async (provider, category) => {
    const { iterable, state } = source(5);
    const { chunks, error } = await readChunks(
      faultyStream(iterable, spec('stream_error', 1, provider), new AbortController().signal, () => {}),
    );
    expect(chunks).toEqual(['c0']);
    expect(classifyError(error)).toMatchObject({ category, errorType: 'APIError', injected: true });
    expect(state.closed).toBe(true);
  });

  it('afterChunks 0 breaks the stream before its first chunk', async () => {
    const { iterable, state } = source(3);
    const { chunks, error } = await readChunks(
      faultyStream(iterable, spec('stream_drop', 0), new AbortController().signal, () => {}),
    );
    expect(chunks).toEqual([]);
    expect(error).toBeInstanceOf(TypeError);
    expect(state.pulled).toBe(0);
  });

  it('a stream that ends before afterChunks ends normally, and nothing is injected', async () => {
    const { iterable } = source(2);
    const onFault = vi.fn();
    const { chunks, error } = await readChunks(
      faultyStream(iterable, spec('stream_drop', 5), new AbortController().signal, onFault),
    );
    expect(chunks).toEqual(['c0', 'c1']);
    expect(error).toBeUndefined();
    expect(onFault).not.toHaveBeenCalled();
  });

  it('stream_stall: stops yielding until the signal aborts, then ends quietly as the clients do', async () => {
    const { iterable, state } = source(5);
    const controller = new AbortController();
    const onFault = vi.fn();
    const iterator = faultyStream(iterable, spec('stream_stall', 1), controller.signal, onFault)[
      Symbol.asyncIterator
    ]();
    expect(await iterator.next()).toEqual({ done: false, value: 'c0' });
    let settled = false;
    const stalled = iterator.next().then(result => {
      settled = true;
      return result;
    });
    await new Promise(resolve => setImmediate(resolve));
    expect(settled).toBe(false);
    expect(onFault).toHaveBeenCalledTimes(1);
    expect(state.closed).toBe(true); // the provider request is not held open while stalled
    controller.abort(new Error('stall timeout'));
    expect(await stalled).toEqual({ done: true, value: undefined });
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('stream_stall: the consumer stopping (return()) ends the stalled read at once', async () => {
    const { iterable } = source(5);
    const iterator = faultyStream(iterable, spec('stream_stall', 0), new AbortController().signal, () => {})[
      Symbol.asyncIterator
    ]();
    const stalled = iterator.next();
    expect(await iterator.return?.()).toEqual({ done: true, value: undefined });
    expect(await stalled).toEqual({ done: true, value: undefined });
  });

  it('stream_stall on an already aborted signal ends at once', async () => {
    const { iterable } = source(5);
    const controller = new AbortController();
    controller.abort();
    const { chunks } = await readChunks(
      faultyStream(iterable, spec('stream_stall', 1), controller.signal, () => {}),
    );
    expect(chunks).toEqual(['c0']);
  });

  it('passes the source through before the fault, errors included, and closes it on return()', async () => {
    const { iterable, state } = source(5);
    const iterator = faultyStream(iterable, spec('stream_drop', 3), new AbortController().signal, () => {})[
      Symbol.asyncIterator
    ]();
    await iterator.next();
    await iterator.return?.();
    expect(state.closed).toBe(true);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });

    const failing: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('real failure')) }),
    };
    const { error } = await readChunks(
      faultyStream(failing, spec('stream_drop', 3), new AbortController().signal, () => {}),
    );
    expect((error as Error).message).toBe('real failure');
  });
});
