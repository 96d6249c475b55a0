import type { ClassifiedError } from '../classify/types.js';
import { type AttemptContext, SUCCEEDED } from '../core/attempt-context.js';
import { classifyAttemptFailure, classifyCancellation } from '../core/attempt-outcome.js';
import type { CallContext, StreamCall } from '../core/call-context.js';
import { finalError } from '../core/final-error.js';
import { recordTokens, UsageTally } from '../core/token-usage.js';
import { ResilienceError, StreamBrokenError } from '../errors/call-errors.js';
import { ResilienceTimeoutError } from '../errors/signals.js';
import { onAbort } from '../util/abort.js';
import { closeStream } from '../util/late-stream.js';
import { safely, safelyGet } from '../util/safely.js';
import { recordFallback } from './fallback-telemetry.js';
import { StreamReader } from './stream-reader.js';
import { recordBreak } from './stream-telemetry.js';
import { recordTimeout } from './timeout.js';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
/** What reads still waiting on a broken stream settle with when its continuation takes over. */
const SUPERSEDED = new DOMException('The stream continues from a fallback', 'AbortError');
/** What a stream's `return()` ends it with: the consumer stopped reading (a cancellation, not a failure). */
export const stoppedByConsumer = (): DOMException =>
  new DOMException('The consumer stopped reading the stream', 'AbortError');

/**
 * A stream after its commit, as its consumer reads it: the chunks read before the commit, then the rest, pulled on
 * demand. It is its own (single-use) iterator, so a chunk costs one promise and no allocation besides the result.
 * A failure from here on is not replayed: with `afterCommit: 'error'` the consumer gets a `StreamBrokenError`;
 * with `'fallback-continue'` the call's `continueWith` continues the partial output once. When it ends (completed,
 * broken, continued or stopped by the consumer) the attempt is finished, so the breaker, recovery and the attempt's
 * telemetry book how the stream really ended, and `onEnd` tells the caller of `executeStream`. It follows the
 * call's signal itself: the caller's abort (a cancellation) or the total timeout (a break) ends it at once, read
 * or not, and closes the provider request.
 */
export class CommittedStream implements AsyncIterableIterator<unknown> {
  /** Called once when the stream ends: `undefined` when it completed (or was continued), else the error. */
  onEnd: ((error: unknown) => void) | undefined;
  /** Whether it streams another policy's resilient stream (which records its own time to first chunk). */
  nested = false;
  private index = 0;
  private delivered = 0;
  private ended = false;
  private started = false;
  private continued = false;
  /** The consumer stopped reading (`return()`): a read still pending ends `done`. */
  private stopped = false;
  private readonly partial: unknown[] | undefined;
  private stopFollowing: () => void = () => {};
  private collected: unknown[] | undefined;
  /** The continuation being opened, while `continueWith` runs. */
  private opening: Promise<void> | undefined;
  private onCollected: ((chunks: readonly unknown[]) => void) | undefined;

  constructor(
    private readonly attempt: AttemptContext,
    private readonly stream: StreamCall,
    private reader: StreamReader<unknown>,
    private controller: AbortController,
    private readonly buffered: unknown[],
    private usage: UsageTally,
  ) {
    const continuing =
      stream.settings.afterCommit === 'fallback-continue' && stream.options.continueWith !== undefined;
    this.partial = continuing ? [] : undefined;
    // Last: a call already aborted ends the stream at once.
    this.stopFollowing = onAbort(attempt.call.signal, this.onCallAbort);
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
    if (this.ended) return this.settled();
    if (this.index < this.buffered.length) return Promise.resolve(this.deliver(this.buffered[this.index++]));
    if (this.opening !== undefined) return this.opening.then(this.afterOpening);
    return this.reader.next().then(this.onChunk, this.onFailure);
  }

  /** The consumer stopped reading (`break`, `return()`): the provider request is closed; a cancellation. */
  return(): Promise<IteratorResult<unknown>> {
    if (!this.ended) {
      const stopped = stoppedByConsumer();
      this.stopped = true;
      this.end(stopped, stopped);
      this.controller.abort(stopped);
    }
    return Promise.resolve(DONE);
  }

  /**
   * Closes a stream that lost a hedged race (it committed after another attempt's stream had won): the provider
   * request is closed and the attempt finished with `reason` (an `AbortError`: a cancellation no stage counts);
   * its tokens are wasted. The call's stream, the winner's, goes on.
   */
  abandon(reason: unknown): void {
    if (this.ended) return;
    this.stopped = true;
    this.end(reason, reason, false);
    this.controller.abort(reason);
  }

  /** The call's signal aborted: the caller cancelled, or the total timeout fired. */
  private readonly onCallAbort = (): void => {
    if (this.ended) return;
    const call = this.attempt.call;
    const reason = call.signal.reason;
    this.endByCall(reason);
    // Closes the provider request; a read still pending rejects with the stream's failure (see onFailure).
    this.controller.abort(reason);
  };

  /** Ends the stream on the call's abort: a cancellation, or a break (the total timeout). */
  private endByCall(error: unknown): void {
    const call = this.attempt.call;
    if (call.callerSignal.aborted) {
      this.end(error, finalError(call, classifyCancellation(call, error), 'cancelled'));
      return;
    }
    const reason = call.signal.reason ?? error;
    this.breakWith(reason, classifyAttemptFailure(this.attempt, reason), false);
  }

  /**
   * Ends the stream with a `StreamBrokenError` (recorded as a break after the commit); the stream of another policy
   * (a model policy inside a chain's) ends with its own error, which that policy recorded.
   */
  private breakWith(error: unknown, classified: ClassifiedError, stalled: boolean): void {
    if (ResilienceError.isInstance(error)) {
      this.end(error, error);
      return;
    }
    const call = this.attempt.call;
    recordBreak(this.attempt, true, classified, stalled, this.delivered);
    this.end(
      error,
      new StreamBrokenError(
        { policy: call.runtime.name, classified, attempts: call.attempts },
        this.delivered,
      ),
    );
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
    // Already ended (the consumer stopped, the caller cancelled): the read settles as the stream ended.
    if (this.ended) return this.settled();
    // A concurrent read cut from the broken stream when its continuation began: it reads the continuation.
    if (error === SUPERSEDED) return this.next();
    const attempt = this.attempt;
    const call = attempt.call;
    if (call.signal.aborted) {
      this.endByCall(error);
      return this.settled();
    }
    const stalled = ResilienceTimeoutError.isInstance(error) && error.kind === 'stall';
    if (stalled) recordTimeout(call, 'stall', attempt);
    const classified = classifyAttemptFailure(attempt, error);
    const continueWith = this.stream.options.continueWith;
    if (this.partial !== undefined && continueWith !== undefined && !this.continued) {
      if (!ResilienceError.isInstance(error)) recordBreak(attempt, true, classified, stalled, this.delivered);
      this.continued = true;
      // The downstream broke: its attempt is booked as failed now, and its request's tokens as wasted; the
      // continuation is the fallback's, tallied apart.
      attempt.finish(error);
      recordTokens(call, 'wasted', this.usage);
      this.usage = new UsageTally();
      return this.continueFrom(continueWith, classified);
    }
    this.breakWith(error, classified, stalled);
    return this.settled();
  };

  /** How a read settles once the stream ended: done when it completed or the consumer stopped, else its failure. */
  private settled(): Promise<IteratorResult<unknown>> {
    return this.stopped || this.failure === undefined ? Promise.resolve(DONE) : Promise.reject(this.failure);
  }

  /**
   * Opens the continuation in place of the broken provider stream. Reads made meanwhile (concurrent ones, cut from
   * the broken reader) wait for it; a continuation that arrives after the stream ended is closed at once.
   */
  private continueFrom(
    continueWith: NonNullable<StreamCall['options']['continueWith']>,
    classified: ClassifiedError,
  ): Promise<IteratorResult<unknown>> {
    this.reader.close(SUPERSEDED);
    const controller = new AbortController();
    this.controller = controller;
    const opening = this.openContinuation(continueWith, classified, controller).finally(() => {
      this.opening = undefined;
    });
    this.opening = opening;
    return opening.then(this.afterOpening);
  }

  private readonly afterOpening = (): Promise<IteratorResult<unknown>> =>
    this.ended ? this.settled() : this.next();

  private async openContinuation(
    continueWith: NonNullable<StreamCall['options']['continueWith']>,
    classified: ClassifiedError,
    controller: AbortController,
  ): Promise<void> {
    try {
      const iterable = await continueWith({
        partial: this.partial ?? [],
        error: classified,
        signal: controller.signal,
      });
      if (this.ended) {
        // The consumer stopped or the call was aborted while the continuation was being opened: close it.
        closeStream(iterable);
        return;
      }
      this.reader = new StreamReader(
        iterable[Symbol.asyncIterator](),
        controller,
        this.stream.settings.stallTimeoutMs,
      );
      // A fallback served the rest: counted once the continuation opened (continueWith may decline by throwing).
      const call = this.attempt.call;
      recordFallback(call, 'continuation', classified);
      const event = new StreamBrokenError(
        { policy: call.runtime.name, classified, attempts: call.attempts },
        this.delivered,
      );
      safely('policy onFallback listener', () => this.stream.onContinued(event));
    } catch (failure) {
      const call = this.attempt.call;
      this.end(
        failure,
        new StreamBrokenError(
          { policy: call.runtime.name, classified, attempts: call.attempts },
          this.delivered,
        ),
      );
    }
  }

  /** What the consumer's `next()` rejects with once the stream failed. */
  private failure: unknown;

  /**
   * Ends the stream once: closes the reader, books the attempt and the tokens, tells `onEnd`; with `endsCall`
   * false the call's stream goes on (a hedged race's loser: the winner's stream is the call's).
   */
  private end(cause: unknown, failure: unknown, endsCall = true): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    this.reader.close();
    this.stopFollowing();
    this.attempt.finish(cause);
    if (endsCall) this.attempt.call.endStream();
    recordTokens(this.attempt.call, failure === undefined ? 'served' : 'wasted', this.usage);
    if (failure === undefined && this.collected !== undefined) {
      const chunks = this.collected;
      safely('collecting a completed stream', () => this.onCollected?.(chunks));
    }
    const onEnd = this.onEnd;
    if (onEnd !== undefined) onEnd(failure);
  }
}
