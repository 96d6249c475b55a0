import { classifyError, redact } from '../classify/index.js';
import type { ClassifiedError, Classifier } from '../classify/types.js';
import { type BatchItemOutcome, ERROR_CATEGORIES } from '../semconv.js';
import { safelyGet } from '../util/safely.js';
import { decideFailure, retryDelayMs } from './decide.js';
import type { ResolvedBatchOptions } from './options.js';
import type { BatchDecision, BatchItemState, BatchState } from './types.js';

const isClassified = (c: unknown): c is ClassifiedError =>
  typeof c === 'object' &&
  c !== null &&
  (ERROR_CATEGORIES as readonly unknown[]).includes((c as ClassifiedError).category) &&
  typeof (c as ClassifiedError).retryable === 'boolean' &&
  typeof (c as ClassifiedError).errorType === 'string' &&
  typeof (c as ClassifiedError).message === 'string';

/**
 * Classifies a failure with the batch's classifier, falling back to `classifyError` when a custom classifier
 * throws or returns something unusable, and redacts the message again (a custom classifier may not).
 */
export function classifyFailure(classifier: Classifier, error: unknown): ClassifiedError {
  const custom = safelyGet('classifying a batch failure', () => classifier(error), undefined);
  const c = isClassified(custom) ? custom : classifyError(error);
  return Object.freeze({ ...c, message: redact(c.message) });
}

/** What applying a failure changed. */
export interface AppliedFailure {
  readonly decision: BatchDecision;
  readonly outcome: BatchItemOutcome;
}

/**
 * Applies a failed attempt of `item` to `state` (counters, streak, item status, last error, breaker trip) and
 * returns the decision. Synchronous, so concurrent failures are decided one at a time in the order recorded.
 */
export function applyFailure(
  state: BatchState,
  itemId: string,
  item: BatchItemState,
  classified: ClassifiedError,
  options: ResolvedBatchOptions,
  previousDelays: Map<string, number>,
): AppliedFailure {
  const { limits } = options;
  if (options.breakerCategories.has(classified.category)) state.consecutiveFailures++;
  const verdict = decideFailure(
    {
      retryable: classified.retryable,
      itemRetries: item.retries,
      totalRetries: state.totalRetries,
      paused: state.status === 'paused',
      consecutiveFailures: state.consecutiveFailures,
    },
    limits,
  );
  const attempt = item.attempts;
  item.attempts++;
  item.updatedAt = new Date().toISOString();
  state.totalAttempts++;
  let delayMs = 0;
  if (verdict.retry) {
    delayMs = retryDelayMs(
      item.retries,
      previousDelays.get(itemId) ?? 0,
      classified,
      options.delays,
      Math.random,
    );
    previousDelays.set(itemId, delayMs);
    item.retries++;
    state.totalRetries++;
    item.status = 'retrying';
  } else if (verdict.settles) {
    item.status = 'failed';
  }
  item.lastReason = verdict.reason;
  item.lastError = {
    category: classified.category,
    errorType: classified.errorType,
    retryable: classified.retryable,
    message: classified.message,
    ...(classified.statusCode === undefined ? {} : { statusCode: classified.statusCode }),
  };
  if (verdict.trips) {
    state.status = 'paused';
    state.pausedBy = 'breaker';
    state.breakerTrips++;
  }
  const decision: BatchDecision = Object.freeze({
    retry: verdict.retry,
    reason: verdict.reason,
    itemId,
    attempt,
    itemRetries: item.retries,
    maxRetriesPerItem: limits.maxRetriesPerItem,
    totalRetries: state.totalRetries,
    maxRetriesTotal: limits.maxRetriesTotal,
    delayMs,
    trippedBreaker: verdict.trips,
    error: classified,
  });
  return { decision, outcome: classified.retryable ? 'failed_transient' : 'failed_permanent' };
}
