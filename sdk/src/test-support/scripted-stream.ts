/** Streams a test drives by hand, and probes of what a streamed call left behind (no timers, no timing). */
import type { ResiliencePolicy } from '../pipeline/create-policy.js';

/** A provider stream the test drives chunk by chunk; it ignores its signal and records `return()`. */
export function scripted<T>() {
  type Item = IteratorResult<T> | { readonly error: unknown };
  const queue: Item[] = [];
  let waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  const state = { returned: 0, nexts: 0 };
  const iterator: AsyncIterator<T> = {
    next() {
      state.nexts++;
      const item = queue.shift();
      if (item !== undefined) return 'error' in item ? Promise.reject(item.error) : Promise.resolve(item);
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
    return() {
      state.returned++;
      return Promise.resolve({ done: true, value: undefined });
    },
  };
  const push = (item: Item): void => {
    const w = waiting;
    if (w === undefined) {
      queue.push(item);
      return;
    }
    waiting = undefined;
    if ('error' in item) w.reject(item.error);
    else w.resolve(item);
  };
  return {
    iterable: { [Symbol.asyncIterator]: () => iterator } as AsyncIterable<T>,
    chunk: (value: T) => push({ value, done: false }),
    end: () => push({ done: true, value: undefined }),
    fail: (error: unknown) => push({ error }),
    state,
  };
}

/** Lets every pending promise callback run (no timer involved, no timing asserted). */
export const flush = (): Promise<void> => new Promise(resolve => setImmediate(resolve));

/** A stream of the given chunks that completes. */
export async function* chunks<T>(...values: T[]): AsyncGenerator<T> {
  yield* values;
}

/** Whether `policy` admits a new streamed call (read to its end), or the category that refused it. */
export async function admits(policy: ResiliencePolicy<unknown>): Promise<true | string> {
  try {
    const stream = await policy.executeStream(() => chunks('probe'));
    for await (const _ of stream) {
      // read to the end
    }
    return true;
  } catch (error) {
    return (error as { classified?: { category: string } }).classified?.category ?? String(error);
  }
}

/** Tracks whether a promise settled, without awaiting it. */
export function watch<T>(promise: Promise<T>) {
  const seen = { settled: false, value: undefined as unknown, error: undefined as unknown };
  promise.then(
    value => {
      seen.settled = true;
      seen.value = value;
    },
    error => {
      seen.settled = true;
      seen.error = error;
    },
  );
  return seen;
}
