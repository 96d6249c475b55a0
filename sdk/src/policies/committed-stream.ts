import { type AttemptContext, SUCCEEDED } from '../core/attempt-context.js';
import { classifyAttemptFailure, classifyCancellation } from '../core/attempt-outcome.js';
import type { CallContext, StreamCall } from '../core/call-context.js';
import { finalError } from '../core/final-error.js';
import { recordTokens, type UsageTally } from '../core/token-usage.js';
import { StreamBrokenError } from '../errors/call-errors.js';
import { ResilienceTimeoutError } from '../errors/signals.js';
import { linkAbort } from '../util/abort.js';
import { safely, safelyGet } from '../util/safely.js';
import { recordFallback } from './fallback-telemetry.js';
import { StreamReader } from './stream-reader.js';
import { recordBreak } from './stream-telemetry.js';
import { recordTimeout } from './timeout.js';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
/** What a stream's `return()` ends it with: the consumer stopped reading (a cancellation, not a failure). */
export const stoppedByConsumer = (): DOMException =>
  new DOMException('The consumer stopped reading the stream', 'AbortError');

/**
 * A stream after its commit, as its consumer reads it: the chunks read before the commit, then the rest, pulled on
 * demand. It is its own (single-use) iterator, so a chunk costs one promise and no allocation besides the result.
 * A failure from here on is not replayed: with `afterCommit: 'error'` the consumer gets a `StreamBrokenError`;
 * with `'fallback-continue'` the call's `continueWith` continues the partial output once. When it ends (completed,
 * broken, continued or stopped by the consumer) the attempt is finished, so the breaker, recovery and the attempt's
 * telemetry book how the stream really ended, and `onEnd` tells the caller of `executeStream`.
 */
export class CommittedStream implements AsyncIterableIterator<unknown> {
  /** Called once when the stream ends: `undefined` when it completed (or was continued), else the error. */
  onEnd: ((error: unknown) => void) | undefined;
  private index = 0;
  private delivered = 0;
  private ended = false;
  private started = false;
  private continued = false;
  private readonly partial: unknown[] | undefined;
  private unlinkContinuation: (() => void) | undefined;
  private collected: unknown[] | undefined;
  private onCollected: ((chunks: readonly unknown[]) => void) | undefined;

  constructor(
    private readonly attempt: AttemptContext,
    private readonly stream: StreamCall,
    private reader: StreamReader<unknown>,
    private controller: AbortController,
    private readonly buffered: unknown[],
    private readonly usage: UsageTally,
    private readonly unlinkCaller: () => void,
  ) {
    const continuing =
      stream.settings.afterCommit === 'fallback-continue' && stream.options.continueWith !== undefined;
    this.partial = continuing ? [] : undefined;
  }

  /** Whether this is the stream of `call` (not one a fallback of another call handed on). */
  belongsTo(call: CallContext): boolean {
    return this.attempt.call === call;
  }

  /** Keeps every chunk delivered; `done` gets them if the stream completes (the `cache` fallback's replay). */
  collect(done: (chunks: readonly unknown[]) => void): void {
    this.collected = [];
    this.onCollected = done;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
    if (this.started) throw new TypeError('A resilient stream can be read once');
    this.started = true;
    return this;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.ended) return Promise.resolve(DONE);
    if (this.index < this.buffered.length) return Promise.resolve(this.deliver(this.buffered[this.index++]));
    return this.reader.next().then(this.onChunk, this.onFailure);
  }

  /** The consumer stopped reading (`break`, `return()`): the provider request is closed; a cancellation. */
  return(): Promise<IteratorResult<unknown>> {
    if (!this.ended) {
      const stopped = stoppedByConsumer();
      this.controller.abort(stopped);
      this.end(stopped, stopped);
    }
    return Promise.resolve(DONE);
  }

  private deliver(chunk: unknown): IteratorYieldResult<unknown> {
    this.delivered++;
    this.collected?.push(chunk);
    const partial = this.partial;
    const { isContent } = this.stream.options;
    if (
      partial !== undefined &&
      (isContent === undefined || safelyGet('stream isContent', () => isContent(chunk), true))
    )
      partial.push(chunk);
    return { done: false, value: chunk };
  }

  private readonly onChunk = (
    result: IteratorResult<unknown>,
  ): IteratorResult<unknown> | Promise<IteratorResult<unknown>> => {
    if (result.done === true) {
      this.end(SUCCEEDED, undefined);
      return DONE;
    }
    const chunk = result.value;
    const { errorOf, usageOf } = this.stream.options;
    if (errorOf !== undefined) {
      const carried = safelyGet('stream errorOf', () => errorOf(chunk), undefined);
      if (carried !== undefined && carried !== null && carried !== false) return this.onFailure(carried);
    }
    if (usageOf !== undefined) this.usage.add(safelyGet('stream usageOf', () => usageOf(chunk), undefined));
    return this.deliver(chunk);
  };

  private readonly onFailure = (error: unknown): Promise<IteratorResult<unknown>> => {
    const attempt = this.attempt;
    const call = attempt.call;
    if (call.callerSignal.aborted) {
      this.end(error, finalError(call, classifyCancellation(call, error), 'cancelled'));
      return Promise.reject(this.failure);
    }
    const stalled = ResilienceTimeoutError.isInstance(error) && error.kind === 'stall';
    if (stalled) recordTimeout(call, 'stall', attempt);
    const classified = classifyAttemptFailure(attempt, error);
    recordBreak(attempt, true, classified, stalled, this.delivered);
    const continueWith = this.stream.options.continueWith;
    if (this.partial !== undefined && continueWith !== undefined && !this.continued) {
      this.continued = true;
      // The downstream broke: its attempt is booked as failed now; the continuation is the fallback's.
      attempt.finish(error);
      recordFallback(call, 'continuation', classified);
      return this.continueFrom(continueWith, classified);
    }
    this.end(
      error,
      new StreamBrokenError(
        { policy: call.runtime.name, classified, attempts: call.attempts },
        this.delivered,
      ),
    );
    return Promise.reject(this.failure);
  };

  private async continueFrom(
    continueWith: NonNullable<StreamCall['options']['continueWith']>,
    error: ReturnType<typeof classifyAttemptFailure>,
  ): Promise<IteratorResult<unknown>> {
    this.reader.close();
    const controller = new AbortController();
    this.controller = controller;
    this.unlinkContinuation = linkAbort(this.attempt.call.callerSignal, controller);
    try {
      const iterable = await continueWith({ partial: this.partial ?? [], error, signal: controller.signal });
      this.reader = new StreamReader(
        iterable[Symbol.asyncIterator](),
        controller,
        this.stream.settings.stallTimeoutMs,
      );
    } catch (failure) {
      const call = this.attempt.call;
      this.end(
        failure,
        new StreamBrokenError(
          { policy: call.runtime.name, classified: error, attempts: call.attempts },
          this.delivered,
        ),
      );
      return Promise.reject(this.failure);
    }
    return this.next();
  }

  /** What the consumer's `next()` rejects with once the stream failed. */
  private failure: unknown;

  /** Ends the stream once: closes the reader, books the attempt and the tokens, tells `onEnd`. */
  private end(cause: unknown, failure: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    this.reader.close();
    this.unlinkCaller();
    this.unlinkContinuation?.();
    this.attempt.finish(cause);
    this.attempt.call.endStream();
    recordTokens(
      this.attempt.call,
      failure === undefined || this.continued ? 'served' : 'wasted',
      this.usage,
    );
    if (failure === undefined && this.collected !== undefined) {
      const chunks = this.collected;
      safely('collecting a completed stream', () => this.onCollected?.(chunks));
    }
    const onEnd = this.onEnd;
    if (onEnd !== undefined) onEnd(failure);
  }
}
