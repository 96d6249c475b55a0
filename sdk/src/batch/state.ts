import { redact, truncate } from '../classify/redact.js';
import { BATCH_DECISION_REASONS, ERROR_CATEGORIES } from '../semconv.js';
import { itemIdProblem } from './batch-id.js';
import type { BatchItemError, BatchItemState, BatchSnapshot, BatchState } from './types.js';

/** Version of the state format this code writes and reads. */
export const BATCH_STATE_VERSION = 1;

const ITEM_STATUSES = ['pending', 'retrying', 'succeeded', 'failed'] as const;
/** Error types are class names or codes; a longer one in saved state is cut. */
const MAX_ERROR_TYPE_LENGTH = 128;

/** An empty state for a new batch. */
export function createBatchState(batchId: string, name: string, now: string): BatchState {
  return {
    version: BATCH_STATE_VERSION,
    batchId,
    name,
    createdAt: now,
    updatedAt: now,
    revision: 0,
    status: 'running',
    totalAttempts: 0,
    totalRetries: 0,
    consecutiveFailures: 0,
    breakerTrips: 0,
    items: Object.create(null) as Record<string, BatchItemState>,
  };
}

/** The result of checking saved state: usable state, or what is wrong with it. */
export type StateCheck =
  | { readonly ok: true; readonly state: BatchState }
  | {
      readonly ok: false;
      readonly problem: string /** Written by a newer version: never move it aside. */;
      readonly newer: boolean;
    };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isString = (v: unknown): v is string => typeof v === 'string';
const isOneOf = <T>(values: readonly T[], v: unknown): v is T => (values as readonly unknown[]).includes(v);

/** A saved last error, rebuilt from its known fields with its message redacted and bounded again. */
function checkLastError(e: unknown): BatchItemError | undefined {
  if (
    !isRecord(e) ||
    !isOneOf(ERROR_CATEGORIES, e.category) ||
    !isString(e.errorType) ||
    typeof e.retryable !== 'boolean' ||
    !isString(e.message) ||
    (e.statusCode !== undefined && !isCount(e.statusCode))
  ) {
    return undefined;
  }
  return {
    category: e.category,
    errorType: truncate(e.errorType, MAX_ERROR_TYPE_LENGTH),
    retryable: e.retryable,
    message: redact(e.message),
    ...(e.statusCode === undefined ? {} : { statusCode: e.statusCode }),
  };
}

/** A saved item, rebuilt from its known fields, or what is wrong with it. */
function checkItem(id: string, item: unknown): BatchItemState | string {
  const at = `items[${JSON.stringify(id.slice(0, 80))}]`;
  const idProblem = itemIdProblem(id);
  if (idProblem !== undefined) return `${at}: an item id must be ${idProblem}`;
  if (!isRecord(item)) return `${at} is not an object`;
  if (!isOneOf(ITEM_STATUSES, item.status)) return `${at}.status is invalid`;
  if (!isCount(item.attempts) || !isCount(item.retries)) return `${at} has invalid counters`;
  if (!isString(item.updatedAt)) return `${at}.updatedAt is missing`;
  if (item.lastReason !== undefined && !isOneOf(BATCH_DECISION_REASONS, item.lastReason)) {
    return `${at}.lastReason is invalid`;
  }
  const lastError = item.lastError === undefined ? undefined : checkLastError(item.lastError);
  if (item.lastError !== undefined && lastError === undefined) return `${at}.lastError is invalid`;
  if (item.retryAt !== undefined && !(isString(item.retryAt) && Number.isFinite(Date.parse(item.retryAt)))) {
    return `${at}.retryAt is not a date`;
  }
  return {
    status: item.status,
    attempts: item.attempts,
    retries: item.retries,
    updatedAt: item.updatedAt,
    ...(item.lastReason === undefined ? {} : { lastReason: item.lastReason }),
    ...(lastError === undefined ? {} : { lastError }),
    ...(item.retryAt === undefined ? {} : { retryAt: item.retryAt }),
  };
}

const COUNTERS = [
  'revision',
  'totalAttempts',
  'totalRetries',
  'consecutiveFailures',
  'breakerTrips',
] as const;

/**
 * Checks parsed saved state against the version-1 format and the expected batch id, and rebuilds it from its
 * known fields only (saved state may be foreign or hand-edited: it is never trusted, and whatever else it holds
 * would be saved again on every commit). `items` has a null prototype (item ids such as `__proto__` stay keys).
 */
export function checkBatchState(value: unknown, batchId: string): StateCheck {
  const bad = (problem: string): StateCheck => ({ ok: false, problem, newer: false });
  if (!isRecord(value)) return bad('not a JSON object');
  if (typeof value.version === 'number' && value.version > BATCH_STATE_VERSION) {
    return {
      ok: false,
      problem: `written by a newer version of agent-resilience (format ${value.version}, this one reads ${BATCH_STATE_VERSION})`,
      newer: true,
    };
  }
  if (value.version !== BATCH_STATE_VERSION)
    return bad(`unknown format version ${JSON.stringify(value.version)}`);
  if (value.batchId !== batchId) return bad(`holds batch ${JSON.stringify(value.batchId)}, not "${batchId}"`);
  if (!isString(value.name) || !isString(value.createdAt) || !isString(value.updatedAt)) {
    return bad('name or timestamps missing');
  }
  if (value.status !== 'running' && value.status !== 'paused') return bad('status is invalid');
  if (value.pausedBy !== undefined && value.pausedBy !== 'breaker' && value.pausedBy !== 'manual') {
    return bad('pausedBy is invalid');
  }
  for (const key of COUNTERS) {
    if (!isCount(value[key])) return bad(`${key} is not a non-negative integer`);
  }
  if (!isRecord(value.items)) return bad('items is not an object');
  const state = createBatchState(batchId, value.name, value.createdAt);
  for (const [id, saved] of Object.entries(value.items)) {
    const item = checkItem(id, saved);
    if (typeof item === 'string') return bad(item);
    state.items[id] = item;
  }
  state.updatedAt = value.updatedAt;
  state.status = value.status;
  if (value.pausedBy !== undefined) state.pausedBy = value.pausedBy;
  for (const key of COUNTERS) state[key] = value[key] as number;
  return { ok: true, state };
}

/** Parses and checks the text of a saved state file. */
export function parseBatchState(text: string, batchId: string): StateCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `not valid JSON (${(error as Error).message})`, newer: false };
  }
  return checkBatchState(value, batchId);
}

/** Counters and item counts of a state, frozen. */
export function summarizeBatchState(s: BatchState): BatchSnapshot {
  const items = { pending: 0, retrying: 0, succeeded: 0, failed: 0 };
  for (const id in s.items) items[s.items[id]!.status]++;
  return Object.freeze({
    batchId: s.batchId,
    name: s.name,
    status: s.status,
    pausedBy: s.pausedBy,
    totalAttempts: s.totalAttempts,
    totalRetries: s.totalRetries,
    consecutiveFailures: s.consecutiveFailures,
    breakerTrips: s.breakerTrips,
    items: Object.freeze(items),
  });
}
