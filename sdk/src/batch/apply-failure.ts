import { sanitizeClassification } from '../classify/classification.js';
import { classifyError } from '../classify/index.js';
import type { ClassifiedError, Classifier } from '../classify/types.js';
import { type BatchDecisionReason, type BatchItemOutcome, ERROR_CATEGORIES } from '../semconv.js';
import { safelyGet } from '../util/safely.js';
import { type BatchLimits, decideFailure, retryDelayMs } from './decide.js';
import type { ResolvedBatchOptions } from './options.js';
import type { BatchAuditRecord, BatchDecision, BatchEvent, BatchItemState, BatchState } from './types.js';

const isClassified = (c: unknown): c is ClassifiedError =>
  typeof c === 'object' &&
  c !== null &&
  (ERROR_CATEGORIES as readonly unknown[]).includes((c as ClassifiedError).category) &&
  typeof (c as ClassifiedError).retryable === 'boolean' &&
  typeof (c as ClassifiedError).errorType === 'string' &&
  typeof (c as ClassifiedError).message === 'string';

const ABORTED = new DOMException('The operation was aborted', 'AbortError');

/**
 * Classifies a failure with the batch's classifier, falling back to `classifyError` when a custom classifier
 * throws or returns something unusable, and redacts the message again (a custom classifier may not). Once the
 * caller's `signal` has aborted the failure is `cancelled`, whatever the error or the abort reason.
 */
export function classifyFailure(
  classifier: Classifier,
  error: unknown,
  signal?: AbortSignal,
): ClassifiedError {
  const custom = safelyGet('classifying a batch failure', () => classifier(error), undefined);
  const c = isClassified(custom) ? custom : classifyError(error);
  if (signal?.aborted && c.category !== 'cancelled')
    return sanitizeClassification({ ...classifyError(ABORTED) }, error);
  return sanitizeClassification(c, error);
}

/**
 * The decision for a cancelled attempt of `item` (undefined: never attempted): nothing is decided or counted,
 * the item may run again later as the same attempt.
 */
export function cancelledDecision(
  state: BatchState,
  itemId: string,
  item: BatchItemState | undefined,
  classified: ClassifiedError,
  limits: BatchLimits,
): BatchDecision {
  return Object.freeze({
    retry: false,
    cancelled: true,
    reason: 'cancelled',
    itemId,
    attempt: item?.attempts ?? 0,
    itemRetries: item?.retries ?? 0,
    maxRetriesPerItem: limits.maxRetriesPerItem,
    totalRetries: state.totalRetries,
    maxRetriesTotal: limits.maxRetriesTotal,
    delayMs: 0,
    trippedBreaker: false,
    error: classified,
  });
}

/** What applying a failure changed. */
export interface AppliedFailure {
  readonly decision: BatchDecision & { readonly reason: BatchDecisionReason };
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
  if (delayMs > 0) item.retryAt = new Date(Date.now() + delayMs).toISOString();
  else delete item.retryAt;
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
  const decision = Object.freeze({
    retry: verdict.retry,
    cancelled: false,
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

/** The audit records (made by `record`) and the events of a failure of `item` applied to `state`. */
export function failureEntries(
  state: BatchState,
  item: BatchItemState,
  { decision, outcome }: AppliedFailure,
  record: (type: string, fields: Record<string, unknown>) => BatchAuditRecord,
): { records: BatchAuditRecord[]; events: BatchEvent[] } {
  const { itemId, attempt, retry, reason, delayMs } = decision;
  const records = [
    record('attempt', { itemId, attempt, outcome, ...item.lastError, decision: { retry, reason, delayMs } }),
  ];
  const events: BatchEvent[] = [{ type: 'attempt', itemId, attempt, outcome, decision }];
  if (decision.trippedBreaker) {
    const trip = { consecutiveFailures: state.consecutiveFailures, trips: state.breakerTrips };
    records.push(record('breaker_trip', { ...trip, itemId }));
    events.push({ type: 'breaker_tripped', ...trip }, { type: 'paused', by: 'breaker' });
  }
  return { records, events };
}
