import { ResilienceTimeoutError } from '../errors/signals.js';
import { onAbort } from '../util/abort.js';
import { PendingReads } from '../util/pending-reads.js';

/** What a read still waiting when its reader closes rejects with, unless the closer says otherwise. */
export const READER_CLOSED: unknown = new DOMException('The stream reader was closed', 'AbortError');

/**
 * Pulls chunks from one provider stream on behalf of its consumer, and ends the pull at once when the stream's
 * signal aborts (a stall, a timeout, the caller) even if the provider's iterator ignores it. The stall watchdog is
 * one lazily re-armed timer, not one per chunk: it fires only while a pull has been pending longer than
 * `stallMs`, so a slow consumer (backpressure) is never taken for a stalled provider.
 */
export class StreamReader<T> {
  private readonly pending = new PendingReads();
  private pullStartedAt = 0;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private readonly unsubscribe: () => void;
  private closed = false;
  private finished = false;

  constructor(
    private readonly iterator: AsyncIterator<T>,
    /** The stream's own controller: aborting it cuts the pending pull and closes the provider request. */
    private readonly controller: AbortController,
    private stallMs: number | undefined,
  ) {
    this.unsubscribe = onAbort(controller.signal, () => this.pending.rejectAll(controller.signal.reason));
  }

  /** The next chunk; rejects with the abort reason (a `ResilienceTimeoutError` for a stall) when cut. */
  next(): Promise<IteratorResult<T>> {
    const signal = this.controller.signal;
    if (signal.aborted) return Promise.reject(signal.reason);
    // A provider stream that said it is done is not asked again (some throw when read after their end).
    if (this.finished) return Promise.resolve({ done: true, value: undefined });
    if (this.stallMs !== undefined) {
      this.pullStartedAt = performance.now();
      this.watchdog ??= setTimeout(this.check, this.stallMs);
    }
    return new Promise<IteratorResult<T>>((resolve, reject) => {
      this.pending.add(reject);
      let pulled: Promise<IteratorResult<T>>;
      try {
        pulled = Promise.resolve(this.iterator.next());
      } catch (error) {
        pulled = Promise.reject(error);
      }
      pulled.then(
        result => {
          this.pending.remove(reject);
          // The openai and Anthropic clients end a stream quietly when its signal aborts: an end after our abort
          // is the abort (a stall, the caller), not a completed stream.
          if (result.done === true && signal.aborted) reject(signal.reason);
          else {
            if (result.done === true) this.finished = true;
            resolve(result);
          }
        },
        (error: unknown) => {
          this.pending.remove(reject);
          reject(error);
        },
      );
    });
  }

  /** Sets the stall timeout of the reads from now on (`undefined`: none). */
  watchStalls(stallMs: number | undefined): void {
    this.stallMs = stallMs;
  }

  private readonly check = (): void => {
    this.watchdog = undefined;
    if (!this.pending.waiting || this.closed || this.stallMs === undefined) return;
    const waited = performance.now() - this.pullStartedAt;
    if (waited >= this.stallMs) {
      this.controller.abort(new ResilienceTimeoutError('stall', this.stallMs));
      return;
    }
    this.watchdog = setTimeout(this.check, this.stallMs - waited);
  };

  /**
   * Stops reading: clears the watchdog, detaches from the signal, settles every read still waiting (rejected with
   * `reason`: the provider's iterator may never answer them) and tells the provider's iterator to finish (not
   * awaited: an iterator that hangs in `return()` must not hold the consumer).
   */
  close(reason: unknown = READER_CLOSED): void {
    if (this.closed) return;
    this.closed = true;
    if (this.watchdog !== undefined) clearTimeout(this.watchdog);
    this.watchdog = undefined;
    this.unsubscribe();
    this.pending.rejectAll(reason);
    try {
      const returned = this.iterator.return?.();
      if (returned !== undefined) Promise.resolve(returned).catch(() => {});
    } catch {
      // A throwing return() only means the iterator could not be closed more politely.
    }
  }
}
