import { describe, expect, it, vi } from 'vitest';
import { ObservedStream, type StreamEnd } from './observed-stream.js';

/** A source stream of `chunks` that then ends or throws `error`; records whether it was closed. */
function source(chunks: readonly string[], error?: Error) {
  const state = { closed: false };
  const iterable: AsyncIterable<string> = {
    async *[Symbol.asyncIterator]() {
      try {
        yield* chunks;
        if (error !== undefined) throw error;
      } finally {
        state.closed = true;
      }
    },
  };
  return { iterable, state };
}

async function readAll(stream: AsyncIterable<string>): Promise<string[]> {
  const read: string[] = [];
  for await (const chunk of stream) read.push(chunk);
  return read;
}

describe('ObservedStream', () => {
  it('passes the chunks through unchanged, shows each to onChunk, and tells onEnd once that it completed', async () => {
    const onEnd = vi.fn<(end: StreamEnd) => void>();
    const onChunk = vi.fn();
    const stream = new ObservedStream(source(['a', 'b']).iterable, onEnd, onChunk);
    expect(await readAll(stream)).toEqual(['a', 'b']);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(onChunk.mock.calls).toEqual([['a'], ['b']]);
    expect(onEnd.mock.calls).toEqual([[{ kind: 'completed' }]]);
  });

  it('tells onEnd the error a failed stream threw, and rethrows it', async () => {
    const error = new Error('broken');
    const onEnd = vi.fn<(end: StreamEnd) => void>();
    await expect(readAll(new ObservedStream(source(['a'], error).iterable, onEnd))).rejects.toBe(error);
    expect(onEnd.mock.calls).toEqual([[{ kind: 'failed', error }]]);
  });

  it('a break stops the source (closing its request) and counts as stopped', async () => {
    const { iterable, state } = source(['a', 'b', 'c']);
    const onEnd = vi.fn<(end: StreamEnd) => void>();
    for await (const _ of new ObservedStream(iterable, onEnd)) break;
    // The source's return() is not awaited (a source that hangs in it must not hold the consumer).
    await vi.waitFor(() => expect(state.closed).toBe(true));
    expect(onEnd.mock.calls).toEqual([[{ kind: 'stopped' }]]);
  });

  it('stopped before its first read, it still stops the source', async () => {
    const stop = vi.fn(async () => ({ done: true as const, value: undefined }));
    const iterable: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({ next: async () => ({ done: false, value: 'a' }), return: stop }),
    };
    const onEnd = vi.fn<(end: StreamEnd) => void>();
    await new ObservedStream(iterable, onEnd).return();
    expect(stop).toHaveBeenCalledTimes(1);
    expect(onEnd.mock.calls).toEqual([[{ kind: 'stopped' }]]);
  });

  it('can be read once; a throwing observer does not change what the consumer gets', async () => {
    const stream = new ObservedStream(
      source(['a']).iterable,
      () => {
        throw new Error('observer');
      },
      () => {
        throw new Error('observer');
      },
    );
    expect(await readAll(stream)).toEqual(['a']);
    expect(() => stream[Symbol.asyncIterator]()).toThrow('A resilient stream can be read once');
  });
});
