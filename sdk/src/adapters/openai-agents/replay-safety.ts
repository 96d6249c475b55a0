import { AsyncLocalStorage } from 'node:async_hooks';
import type { Model, ModelRequest, ModelRetryAdviceRequest } from '@openai/agents-core';
import { diag } from '@opentelemetry/api';
import type { ClassifiedError } from '../../classify/types.js';
import type { RetryOptions } from '../../policies/retry-options.js';

/**
 * Whether a request continues conversation state kept by the provider (`previousResponseId` or `conversationId`):
 * once the provider accepted it, the conversation may already hold its items, so sending it again may duplicate
 * them (the Agents SDK's replay-safety rule).
 */
export function isStatefulRequest(request: ModelRequest): boolean {
  return Boolean(request.previousResponseId || request.conversationId);
}

/** The default `replaySafe`: a stateless request carries its whole input, so a replay cannot duplicate state. */
export const isStatelessRequest = (request: ModelRequest): boolean => !isStatefulRequest(request);

/**
 * Keeps requests that are not replay-safe from being sent twice. Such a call runs inside {@link runUnsafe}; the
 * model policies' retries ask {@link allows} (through {@link shouldRetry}), which refuses every failure of that call
 * except those the model's own retry advice marked replay-safe ({@link consult}), e.g. a 429 with
 * `x-should-retry: true` that the provider never acted on. Timeouts, stalls, dropped connections and error frames
 * are never marked, as the provider may have acted on the request. Calls outside `runUnsafe` are not affected.
 */
export class ReplayGuard {
  /** The failures of the current unsafe call that its model said are safe to replay. */
  private readonly unsafeCall = new AsyncLocalStorage<WeakSet<object>>();

  /** Runs `fn` as an unsafe call: its retries are refused unless {@link consult} marked the failure safe. */
  runUnsafe<T>(fn: () => T): T {
    return this.unsafeCall.run(new WeakSet(), fn);
  }

  /** Whether a failure may be retried: always outside an unsafe call, else only when marked safe. */
  allows(error: ClassifiedError): boolean {
    const safe = this.unsafeCall.getStore();
    if (safe === undefined) return true;
    const cause = error.cause;
    return typeof cause === 'object' && cause !== null && safe.has(cause);
  }

  /**
   * Asks `model.getRetryAdvice` about a failed attempt of the current unsafe call, and marks the failure replay-safe
   * when the advice says so. Outside an unsafe call it does nothing; an advice that throws counts as none.
   */
  async consult(model: Model, advice: ModelRetryAdviceRequest): Promise<void> {
    const safe = this.unsafeCall.getStore();
    const error = advice.error;
    if (safe === undefined || typeof error !== 'object' || error === null || !model.getRetryAdvice) return;
    try {
      if ((await model.getRetryAdvice(advice))?.replaySafety === 'safe') safe.add(error);
    } catch (failure) {
      diag.warn('agent-resilience: a model getRetryAdvice threw; the failure is not replayed', failure);
    }
  }

  /**
   * Within an unsafe call, the stream with {@link consult} on an error thrown while reading it (a streamed model
   * reports even an HTTP 429 from inside its iterator); elsewhere the stream itself.
   */
  watch<T>(stream: AsyncIterable<T>, consult: (error: unknown) => Promise<void>): AsyncIterable<T> {
    return this.unsafeCall.getStore() === undefined ? stream : consultOnError(stream, consult);
  }

  /**
   * The `shouldRetry` of each model policy: this guard's veto, then the user's own `shouldRetry` (or the category's
   * retryability, which a `shouldRetry` replaces).
   */
  shouldRetry(retry: RetryOptions): NonNullable<RetryOptions['shouldRetry']> {
    const own = retry.shouldRetry;
    return (error, attempt) => {
      if (!this.allows(error)) return false;
      if (own !== undefined) return own(error, attempt);
      return retry.categories?.[error.category]?.retryable ?? error.retryable;
    };
  }
}

/** `stream`, calling `consult` with an error thrown while reading it before rethrowing it. */
async function* consultOnError<T>(
  stream: AsyncIterable<T>,
  consult: (error: unknown) => Promise<void>,
): AsyncGenerator<T> {
  try {
    yield* stream;
  } catch (error) {
    await consult(error);
    throw error;
  }
}
