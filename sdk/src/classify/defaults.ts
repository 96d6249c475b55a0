/**
 * Every numeric default of the classification module, in one frozen place (DESIGN.md §6.7). The per-category
 * defaults (severity, retryability, user message) are the taxonomy table in `taxonomy.ts`.
 */
export const CLASSIFY_DEFAULTS = Object.freeze({
  /** Retry-After values above this are clamped to it: one day. */
  retryAfterCapMs: 86_400_000,
  /** How deep `cause`, `lastError` and `AggregateError.errors` are followed. */
  maxCauseDepth: 5,
  /** At most this many `AggregateError.errors` entries are looked at per level. */
  maxAggregateErrors: 10,
  /** `ClassifiedError.message` is truncated to this many characters, ellipsis included. */
  maxMessageLength: 512,
  /** `ClassifiedError.errorType` and `code` are cut to this many characters. */
  maxErrorTypeLength: 64,
  /** Response bodies longer than this are not parsed as JSON. */
  maxBodyParseLength: 65_536,
  /**
   * Classification reads only the first this-many characters (8 KiB) of a message and of each response-body
   * text: status words, message patterns, user rules' `message` matchers and "try again in" hints past it are
   * not seen. Bounds the work on text an upstream controls.
   */
  maxScanLength: 8_192,
  /** Header values longer than this are ignored when classifying: every header read is a few dozen characters. */
  maxHeaderLength: 256,
  /** Class names and codes longer than this are ignored when classifying. */
  maxIdentifierLength: 128,
  /** {@link ErrorAggregator} defaults. */
  aggregator: Object.freeze({
    /** Sliding window over which counts and rates are computed. */
    windowMs: 60_000,
    /** Number of time buckets the window is split into. */
    bucketCount: 12,
  }),
});
