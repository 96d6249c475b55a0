import { describe, expect, it } from 'vitest';
import { iterate, toReadable } from './web-streams.js';

describe('web stream bridges', () => {
  it('iterate reads a ReadableStream and cancels it on return()', async () => {
    let cancelled: unknown;
    const stream = new ReadableStream<number>({
      start(controller) {
        controller.enqueue(1);
      },
      cancel(reason) {
        cancelled = reason ?? 'cancelled';
      },
    });
    const iterator = iterate(stream)[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 1 });
    expect(await iterator.return?.()).toEqual({ done: true, value: undefined });
    expect(cancelled).toBe('cancelled');
  });

  it('toReadable pulls on demand, ends a failure with an error part, and returns the iterator on cancel', async () => {
    let pulled = 0;
    async function* parts() {
      pulled++;
      yield 'a';
      pulled++;
      throw new Error('broke');
    }
    const stream = toReadable(parts(), error => `error: ${(error as Error).message}`);
    await Promise.resolve();
    expect(pulled).toBe(0); // no read-ahead
    const read: string[] = [];
    for await (const part of stream) read.push(part);
    expect(read).toEqual(['a', 'error: broke']);

    let returned = false;
    const endless: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false, value: 'x' }),
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    };
    const reader = toReadable(endless, String).getReader();
    await reader.read();
    await reader.cancel();
    expect(returned).toBe(true);
  });

  it('toReadable makes no error part for a pull that the cancel itself ended', async () => {
    let rejectPending: (error: unknown) => void = () => {};
    const hanging: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<string>>((_, reject) => (rejectPending = reject)),
        return: async () => {
          rejectPending(new Error('stopped by the consumer'));
          return { done: true, value: undefined };
        },
      }),
    };
    const errorParts: unknown[] = [];
    const reader = toReadable(hanging, error => {
      errorParts.push(error);
      return 'error';
    }).getReader();
    const pending = reader.read();
    await Promise.resolve();
    await reader.cancel();
    expect(await pending).toEqual({ done: true, value: undefined });
    await new Promise(resolve => setImmediate(resolve));
    expect(errorParts).toEqual([]);
  });
});
