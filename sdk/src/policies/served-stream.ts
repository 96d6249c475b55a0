import { classifyCancellation } from '../core/attempt-outcome.js';
import type { CallContext } from '../core/call-context.js';
import { finalError } from '../core/final-error.js';
import { onAbort } from '../util/abort.js';
import { stoppedByConsumer } from './committed-stream.js';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof (value as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';

/** A fallback's value as a stream: itself if it is one, else a stream of that one value. */
async function* single(value: unknown): AsyncGenerator<unknown> {
  yield value;
}

/**
 * What a fallback served to a streamed call, as the call's stream: a stream the fallback returned (a second
 * model's, a cached one) or a stream of its one value. The caller's abort ends it at once, even when the
 * fallback's stream ignores its signal (the consumer's pending read rejects `CallCancelledError`); the call ends
 * (its span, its metrics, the fallback's link to the caller's signal) when the stream does. Single use.
 */
export class ServedStream implements AsyncIterableIterator<unknown> {
  private readonly source: AsyncIterator<unknown>;
  private ended = false;
  private started = false;
  private failure: unknown;
  private rejectPending: ((error: unknown) => void) | undefined;
  private stopFollowing: () => void = () => {};

  /**
   * @param value What the fallback served.
   * @param call The streamed call it serves.
   * @param onEnd Told once when the stream ends: `undefined` when it completed, else the error.
   */
  constructor(
    value: unknown,
    private readonly call: CallContext,
    private readonly onEnd: (error: unknown) => void,
  ) {
    this.source = (isAsyncIterable(value) ? value : single(value))[Symbol.asyncIterator]();
    this.stopFollowing = onAbort(call.callerSignal, this.onCallerAbort);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    if (this.started) throw new TypeError('A resilient stream can be read once');
    this.started = true;
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.ended) return this.failure === undefined ? Promise.resolve(DONE) : Promise.reject(this.failure);
    return new Promise<IteratorResult<unknown>>((resolve, reject) => {
      this.rejectPending = reject;
      this.source.next().then(
        result => {
          this.rejectPending = undefined;
          if (this.ended) return this.failure === undefined ? resolve(DONE) : reject(this.failure);
          if (result.done === true) this.end(undefined);
          resolve(result);
        },
        error => {
          this.rejectPending = undefined;
          if (!this.ended) this.end(error);
          reject(this.failure);
        },
      );
    });
  }

  /** The consumer stopped reading: the fallback's stream is closed; a cancellation, not a failure. */
  return(): Promise<IteratorResult<unknown>> {
    if (!this.ended) {
      this.close();
      this.end(stoppedByConsumer(), true);
    }
    return Promise.resolve(DONE);
  }

  private readonly onCallerAbort = (): void => {
    if (this.ended) return;
    this.close();
    const call = this.call;
    this.end(finalError(call, classifyCancellation(call, call.callerSignal.reason), 'cancelled'));
    this.rejectPending?.(this.failure);
  };

  /** Asks the fallback's stream to stop; not awaited (a generator parked on an await settles it later). */
  private close(): void {
    const closing = this.source.return?.();
    if (closing !== undefined) Promise.resolve(closing).catch(() => {});
  }

  private end(failure: unknown, stopped = false): void {
    this.ended = true;
    this.failure = stopped ? undefined : failure;
    this.stopFollowing();
    this.call.endStream();
    this.onEnd(failure);
  }
}
