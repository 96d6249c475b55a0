import { safely } from '../util/safely.js';

/** How a stream ended for its consumer. */
export type StreamEnd =
  | { readonly kind: 'completed' }
  | { readonly kind: 'failed'; readonly error: unknown }
  /** The consumer stopped reading (`break`, `return()`). */
  | { readonly kind: 'stopped' };

const COMPLETED: StreamEnd = Object.freeze({ kind: 'completed' });
const STOPPED: StreamEnd = Object.freeze({ kind: 'stopped' });
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A stream passed through to its consumer unchanged, with each chunk shown to `onChunk` and how it ended told to
 * `onEnd` once. Like the resilient stream it wraps, it can be read once. Stopping it stops the stream it wraps
 * (which closes the provider request) without waiting for that to finish.
 */
export class ObservedStream<T> implements AsyncIterableIterator<T> {
  private iterator: AsyncIterator<T> | undefined;
  private started = false;
  private ended = false;

  constructor(
    private readonly source: AsyncIterable<T>,
    private readonly onEnd: (end: StreamEnd) => void,
    private readonly onChunk?: (chunk: T) => void,
  ) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    if (this.started) throw new TypeError('A resilient stream can be read once');
    this.started = true;
    return this;
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.ended) return DONE;
    this.iterator ??= this.source[Symbol.asyncIterator]();
    let result: IteratorResult<T>;
    try {
      result = await this.iterator.next();
    } catch (error) {
      this.end({ kind: 'failed', error });
      throw error;
    }
    if (result.done === true) this.end(COMPLETED);
    else if (this.onChunk !== undefined) {
      const { onChunk } = this;
      safely('observing a stream chunk', () => onChunk(result.value));
    }
    return result;
  }

  async return(): Promise<IteratorResult<T>> {
    if (this.ended) return DONE;
    this.end(STOPPED);
    try {
      // A stream stopped before its first read still holds its provider request: start it to stop it.
      const iterator = this.iterator ?? this.source[Symbol.asyncIterator]();
      const returned = iterator.return?.();
      if (returned !== undefined) Promise.resolve(returned).catch(() => {});
    } catch {
      // A throwing return() only means the stream could not be stopped more politely.
    }
    return DONE;
  }

  private end(end: StreamEnd): void {
    if (this.ended) return;
    this.ended = true;
    safely('observing the end of a stream', () => this.onEnd(end));
  }
}
