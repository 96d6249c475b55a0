import type { ClassifiedError } from '../../classify/types.js';
import { ResilienceError } from '../../errors/call-errors.js';

/**
 * The final errors of the model policies of one chain call. The chain's own policy classifies a model policy's
 * final error again (its classification carried as it is) and rejects with a wrapper of its own (the chain's one
 * attempt, reason `max_attempts`), or with the primary's error when every fallback model failed too;
 * {@link original} gives back the last model policy's own error instead: its attempts, its reason
 * (`retry_after_too_long`...), its policy.
 */
export class ModelFailures {
  /** The model policies' final errors, in order (most calls have none). */
  private kept: ResilienceError[] | undefined;

  /** Keeps a model policy's final error; returns it, to be rethrown. */
  readonly keep = (error: unknown): unknown => {
    if (ResilienceError.isInstance(error)) {
      this.kept ??= [];
      this.kept.push(error);
    }
    return error;
  };

  /**
   * The last model policy's error when the chain's `error` stands for a model's failure (it carries the
   * classification of one), else `error` as it is (a call cancelled before any model ran).
   */
  readonly original = (error: unknown): unknown => {
    const kept = this.kept;
    if (kept === undefined || !ResilienceError.isInstance(error)) return error;
    const classified: ClassifiedError = error.classified;
    return kept.some(failure => failure.classified === classified) ? kept[kept.length - 1] : error;
  };
}

/**
 * `stream` with each error its reads reject with passed through `map` (and rethrown); `return()` is forwarded,
 * so stopping the result stops `stream`.
 */
export function mappingErrors<T>(
  stream: AsyncIterable<T>,
  map: (error: unknown) => unknown,
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const source = stream[Symbol.asyncIterator]();
      const fail = (error: unknown): never => {
        throw map(error);
      };
      return {
        next: () => source.next().then(undefined, fail),
        return: async () => (await source.return?.()) ?? { done: true, value: undefined },
      };
    },
  };
}
