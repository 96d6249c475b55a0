import { onAbort } from '../../util/abort.js';
import { streamDropError, streamErrorFrame } from './provider-errors.js';
import { CHAOS_DEFAULTS } from './settings.js';
import type { ChaosFaultSpec } from './types.js';

const noop = (): void => {};
const done = (): IteratorReturnResult<undefined> => ({ done: true, value: undefined });

/**
 * A provider stream that breaks after `afterChunks` chunks, as a real one does: `stream_drop` throws undici's
 * `TypeError: terminated`, `stream_error` the provider's error-frame `APIError`, and `stream_stall` stops yielding
 * until `signal` aborts (or the consumer stops), then ends quietly as the `openai` and Anthropic clients do. The
 * source is closed when the fault strikes, so no real request stays open behind it. Single-use, like the SDKs'.
 */
class FaultyStream<T> implements AsyncIterableIterator<T> {
  readonly #iterator: AsyncIterator<T>;
  readonly #fault: ChaosFaultSpec;
  readonly #signal: AbortSignal;
  readonly #onFault: () => void;
  #delivered = 0;
  #ended = false;
  #stalled: Array<(result: IteratorResult<T>) => void> = [];
  #unsubscribe: () => void = noop;

  constructor(source: AsyncIterable<T>, fault: ChaosFaultSpec, signal: AbortSignal, onFault: () => void) {
    this.#iterator = source[Symbol.asyncIterator]();
    this.#fault = fault;
    this.#signal = signal;
    this.#onFault = onFault;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#ended) return Promise.resolve(done());
    if (this.#delivered >= (this.#fault.afterChunks ?? CHAOS_DEFAULTS.afterChunks)) return this.#strike();
    let pulled: Promise<IteratorResult<T>>;
    try {
      pulled = Promise.resolve(this.#iterator.next());
    } catch (error) {
      return Promise.reject(error);
    }
    return pulled.then(result => {
      if (result.done === true) this.#ended = true;
      else this.#delivered++;
      return result;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.#end();
    return Promise.resolve(done());
  }

  #strike(): Promise<IteratorResult<T>> {
    this.#ended = true;
    this.#closeSource();
    this.#onFault();
    if (this.#fault.fault === 'stream_drop') return Promise.reject(streamDropError());
    if (this.#fault.fault === 'stream_error') {
      return Promise.reject(streamErrorFrame(this.#fault.provider ?? CHAOS_DEFAULTS.provider));
    }
    return new Promise(resolve => {
      this.#stalled.push(resolve);
      this.#unsubscribe = onAbort(this.#signal, () => this.#end());
    });
  }

  /** Ends the stream: closes the source (once) and settles a stalled read. */
  #end(): void {
    if (!this.#ended) {
      this.#ended = true;
      this.#closeSource();
    }
    this.#unsubscribe();
    this.#unsubscribe = noop;
    for (const resolve of this.#stalled.splice(0)) resolve(done());
  }

  /** Asks the source to finish (closing its request); not awaited, never throws. */
  #closeSource(): void {
    try {
      const closing = this.#iterator.return?.();
      if (closing !== undefined) Promise.resolve(closing).catch(noop);
    } catch {
      // A source that refuses to close is left to its signal.
    }
  }
}

/**
 * Wraps `source` so that it breaks with `fault` (a stream fault) after `fault.afterChunks` chunks; `onFault` runs
 * when it strikes (never, for a stream that ends sooner).
 */
export function faultyStream<T>(
  source: AsyncIterable<T>,
  fault: ChaosFaultSpec,
  signal: AbortSignal,
  onFault: () => void,
): AsyncIterable<T> {
  return new FaultyStream(source, fault, signal, onFault);
}
