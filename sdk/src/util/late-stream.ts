const noop = (): void => {};

/** Whether `value` is an async iterable (a stream). */
export const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';

/**
 * Asks a stream nobody will read to finish (its `return()`, which closes a provider request); not awaited, and
 * never throws: a stream that cannot be closed more politely is left to its own signal.
 */
export function closeStream(value: unknown): void {
  if (!isAsyncIterable(value)) return;
  try {
    const closing = value[Symbol.asyncIterator]().return?.();
    if (closing !== undefined) Promise.resolve(closing).catch(noop);
  } catch {
    // A stream that refuses (already read, a throwing return()) is closed by its signal or not at all.
  }
}

/**
 * Closes the stream `arriving` resolves with, for a stream whose opener was given up (the caller aborted while a
 * factory ignoring its signal still opened it): otherwise its request, or another policy's call, stays open.
 */
export function closeLateStream(arriving: Promise<unknown>): void {
  arriving.then(closeStream, noop);
}
