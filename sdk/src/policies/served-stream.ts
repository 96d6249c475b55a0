import { classifyCancellation } from '../core/attempt-outcome.js';
import type { CallContext } from '../core/call-context.js';
import { finalError } from '../core/final-error.js';
import { ResilienceError, StreamBrokenError } from '../errors/call-errors.js';
import { onAbort } from '../util/abort.js';
import { closeStream, isAsyncIterable } from '../util/late-stream.js';
import { PendingReads } from '../util/pending-reads.js';
import { stoppedByConsumer } from './committed-stream.js';
import { recordCallBreak } from './stream-telemetry.js';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** A fallback's value as a stream: itself if it is one, else a stream of that one value. */
async function* single(value: unknown): AsyncGenerator<unknown> {
  yield value;
}

/**
 * What a fallback served to a streamed call, as the call's stream: a stream the fallback returned (a second
 * model's, a cached one) or a stream of its one value. It is past the commit: a failure of the fallback's stream
 * reaches the consumer as a `StreamBrokenError` (recorded as a broken stream of the call), unless it already is a
 * resilience error (another policy's stream reports its own). The caller's abort ends it at once, even when the
 * fallback's stream ignores its signal (every pending read rejects `CallCancelledError`); the call ends (its span,
 * its metrics, the fallback's link to the caller's signal) when the stream does. Single use.
 */
export class ServedStream implements AsyncIterableIterator<unknown> {
  private source: AsyncIterator<unknown> | undefined;
  private readonly pending = new PendingReads();
  private ended = false;
  private stopped = false;
  private started = false;
  private delivered = 0;
  private failure: unknown;
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
    try {
      this.source = (isAsyncIterable(value) ? value : single(value))[Symbol.asyncIterator]();
    } catch (error) {
      this.breakWith(error);
      return;
    }
    this.stopFollowing = onAbort(call.callerSignal, this.onCallerAbort);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    if (this.started) throw new TypeError('A resilient stream can be read once');
    this.started = true;
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    const source = this.source;
    if (this.ended || source === undefined) return this.settled();
    let pulled: Promise<IteratorResult<unknown>>;
    try {
      pulled = Promise.resolve(source.next());
    } catch (error) {
      pulled = Promise.reject(error);
    }
    return new Promise<IteratorResult<unknown>>((resolve, reject) => {
      this.pending.add(reject);
      pulled.then(
        result => {
          this.pending.remove(reject);
          if (this.ended) {
            this.settled().then(resolve, reject);
            return;
          }
          if (result.done === true) this.end(undefined, undefined);
          else this.delivered++;
          resolve(result);
        },
        (error: unknown) => {
          this.pending.remove(reject);
          if (!this.ended) this.breakWith(error);
          this.settled().then(resolve, reject);
        },
      );
    });
  }

  /** The consumer stopped reading: the fallback's stream is closed; a cancellation, not a failure. */
  return(): Promise<IteratorResult<unknown>> {
    if (!this.ended) {
      this.stopped = true;
      this.close();
      this.end(stoppedByConsumer(), undefined);
      this.pending.rejectAll(undefined);
    }
    return Promise.resolve(DONE);
  }

  /** How a read settles once the stream ended: done when it completed or the consumer stopped, else its failure. */
  private settled(): Promise<IteratorResult<unknown>> {
    return this.stopped || this.failure === undefined ? Promise.resolve(DONE) : Promise.reject(this.failure);
  }

  private readonly onCallerAbort = (): void => {
    if (this.ended) return;
    this.close();
    const call = this.call;
    const cancelled = finalError(call, classifyCancellation(call, call.callerSignal.reason), 'cancelled');
    this.end(cancelled, cancelled);
    this.pending.rejectAll(cancelled);
  };

  /** The fallback's stream failed: a break after the commit (another policy's resilience error passes as it is). */
  private breakWith(error: unknown): void {
    const call = this.call;
    if (ResilienceError.isInstance(error) || call.callerSignal.aborted) {
      this.end(error, error);
      return;
    }
    const classified = call.runtime.classify(error);
    recordCallBreak(call, call.callSpan, true, classified, false, this.delivered);
    const broken = new StreamBrokenError(
      { policy: call.runtime.name, classified, attempts: call.attempts },
      this.delivered,
    );
    this.end(broken, broken);
  }

  /** Asks the fallback's stream to stop; not awaited (a generator parked on an await settles it later). */
  private close(): void {
    const source = this.source;
    if (source !== undefined) closeStream({ [Symbol.asyncIterator]: () => source });
  }

  private end(cause: unknown, failure: unknown): void {
    this.ended = true;
    this.failure = failure;
    this.stopFollowing();
    this.call.endStream();
    this.onEnd(cause);
  }
}
