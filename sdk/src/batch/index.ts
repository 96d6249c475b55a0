export { type AuditLogContents, readBatchAuditLog } from './audit-log.js';
export { BATCH_ID_PATTERN } from './batch-id.js';
export { BATCH_RETRY_DEFAULTS } from './defaults.js';
export {
  BatchClosedError,
  BatchItemSettledError,
  BatchLockedError,
  type BatchLockHolder,
  BatchLockLostError,
  BatchStateCorruptError,
  BatchStoreError,
} from './errors.js';
export {
  createFileBatchStore,
  type FileBatchStoreOptions,
  type FileBatchStorePaths,
  fileBatchStorePaths,
} from './file-store.js';
export { BatchRetryManager, createBatchRetryManager } from './manager.js';
export { createMemoryBatchStore, type MemoryBatchStore } from './memory-store.js';
export type {
  BatchItemContext,
  BatchItemFn,
  BatchRunItemResult,
  BatchRunOptions,
  BatchRunResult,
} from './runner.js';
export { BATCH_STATE_VERSION } from './state.js';
export type {
  BatchAttemptCheck,
  BatchAuditRecord,
  BatchBackoffOptions,
  BatchBreakerOptions,
  BatchDecision,
  BatchEvent,
  BatchFailureOptions,
  BatchItemError,
  BatchItemSnapshot,
  BatchItemState,
  BatchItemStatus,
  BatchRetryManagerOptions,
  BatchSnapshot,
  BatchState,
  BatchStore,
  BatchStoreEvent,
  BatchStoreOpenContext,
  BatchStoreSession,
} from './types.js';
