/**
 * Reads a `ReadableStream` as an `AsyncIterable` whose `return()` cancels the stream: when the resilient stream
 * stops reading (a stall, a fallback, the consumer's cancel), the provider's response body is cancelled too.
 * `onChunk` sees each chunk as it is read.
 */
export function iterate<T>(stream: ReadableStream<T>, onChunk?: (chunk: T) => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const reader = stream.getReader();
      const read = () => reader.read() as Promise<IteratorResult<T>>;
      const seen = (result: IteratorResult<T>): IteratorResult<T> => {
        if (result.done !== true) onChunk?.(result.value);
        return result;
      };
      return {
        next: onChunk === undefined ? read : () => read().then(seen),
        async return(): Promise<IteratorResult<T>> {
          await reader.cancel().catch(() => {});
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/**
 * Exposes an `AsyncIterable` as a `ReadableStream` pulled on demand (no read-ahead). A failure becomes a last part
 * made by `errorPart` (the AI SDK's convention: an `error` part, then the end), and cancelling the stream calls the
 * iterator's `return()`, which closes the provider request (a pull pending then ends quietly).
 */
export function toReadable<T>(parts: AsyncIterable<T>, errorPart: (error: unknown) => T): ReadableStream<T> {
  const iterator = parts[Symbol.asyncIterator]();
  let cancelled = false;
  return new ReadableStream<T>(
    {
      async pull(controller) {
        try {
          const result = await iterator.next();
          if (cancelled) return;
          if (result.done === true) controller.close();
          else controller.enqueue(result.value);
        } catch (error) {
          // A pull the cancel itself ended is no failure, and the stream takes no more parts.
          if (cancelled) return;
          controller.enqueue(errorPart(error));
          controller.close();
        }
      },
      async cancel() {
        cancelled = true;
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
