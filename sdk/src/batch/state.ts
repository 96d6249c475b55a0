import { BATCH_DECISION_REASONS, ERROR_CATEGORIES } from '../semconv.js';
import type { BatchItemState, BatchSnapshot, BatchState } from './types.js';

/** Version of the state format this code writes and reads. */
export const BATCH_STATE_VERSION = 1;

const ITEM_STATUSES = ['pending', 'retrying', 'succeeded', 'failed'] as const;

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

function itemProblem(id: string, item: unknown): string | undefined {
  const at = `items[${JSON.stringify(id).slice(0, 80)}]`;
  if (!isRecord(item)) return `${at} is not an object`;
  if (!(ITEM_STATUSES as readonly unknown[]).includes(item.status)) return `${at}.status is invalid`;
  if (!isCount(item.attempts) || !isCount(item.retries)) return `${at} has invalid counters`;
  if (!isString(item.updatedAt)) return `${at}.updatedAt is missing`;
  if (
    item.lastReason !== undefined &&
    !(BATCH_DECISION_REASONS as readonly unknown[]).includes(item.lastReason)
  ) {
    return `${at}.lastReason is invalid`;
  }
  const e = item.lastError;
  if (e !== undefined) {
    if (
      !isRecord(e) ||
      !(ERROR_CATEGORIES as readonly unknown[]).includes(e.category) ||
      !isString(e.errorType) ||
      typeof e.retryable !== 'boolean' ||
      !isString(e.message)
    ) {
      return `${at}.lastError is invalid`;
    }
  }
  return undefined;
}

/**
 * Checks parsed saved state against the version-1 format and the expected batch id. Returns the state with a
 * null-prototype `items` (item ids such as `__proto__` stay plain keys).
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
  for (const key of [
    'revision',
    'totalAttempts',
    'totalRetries',
    'consecutiveFailures',
    'breakerTrips',
  ] as const) {
    if (!isCount(value[key])) return bad(`${key} is not a non-negative integer`);
  }
  if (!isRecord(value.items)) return bad('items is not an object');
  const items = Object.create(null) as Record<string, BatchItemState>;
  for (const [id, item] of Object.entries(value.items)) {
    const problem = itemProblem(id, item);
    if (problem !== undefined) return bad(problem);
    items[id] = item as unknown as BatchItemState;
  }
  return { ok: true, state: { ...(value as unknown as BatchState), items } };
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
