import type { ClassifiedError } from '../classify/types.js';
import type { METRIC_TOKENS } from '../semconv.js';
import type { ExecuteOptions } from './execute-options.js';

/** Token counts a model reports for one call (or one chunk of a stream). */
export interface TokenUsage {
  readonly inputTokens?: number;
  readonly outputTokens?: number;
}

/** What `continueWith` receives when a committed stream broke and `afterCommit` is `'fallback-continue'`. */
export interface StreamContinuation<T> {
  /** The content chunks the consumer already received. */
  readonly partial: readonly T[];
  /** Why the stream broke. */
  readonly error: ClassifiedError;
  /** Aborts when the consumer stops reading or the caller cancels. */
  readonly signal: AbortSignal;
}

/**
 * Policy-level settings of streamed calls (`createPolicy(name, { stream })`). A stream is committed once its first
 * content chunk is on its way to the consumer: before that, a failure (an error thrown or carried by a chunk, a
 * first-chunk timeout, a stall, a dropped connection) is an attempt failure that the pipeline retries or serves
 * from a fallback without the consumer seeing anything; after it, a failure is classified and reported (or, with
 * `'fallback-continue'`, continued by a fallback), never replayed.
 */
export interface StreamOptions {
  /**
   * Longest wait for the first content chunk of an attempt, from the request, in ms; a retryable `timeout` (kind
   * `first_chunk`). While it runs it alone bounds the wait (a long time to first token is allowed).
   */
  readonly firstChunkTimeoutMs?: number;
  /**
   * Longest silence of a stream, in ms; a `timeout` (kind `stall`). After the commit, the longest gap between two
   * chunks; before it, when `firstChunkTimeoutMs` is unset, every silence from the request on (a client may open
   * its stream only at the first token, as the AI SDK's chat models do).
   */
  readonly stallTimeoutMs?: number;
  /**
   * What a failure after the commit does: `'error'` ends the stream with a `StreamBrokenError`;
   * `'fallback-continue'` asks the call's `continueWith` for a stream that continues the partial output (as
   * LiteLLM and aisix do) and appends it. @default 'error'
   */
  readonly afterCommit?: 'error' | 'fallback-continue';
}

/** How a streamed call reads its chunks (`execute`'s options for `executeStream`). */
export interface StreamCallOptions<T> {
  /** Whether a chunk is content; the first content chunk commits the stream. @default every chunk is content */
  readonly isContent?: (chunk: T) => boolean;
  /**
   * Whether a chunk marks a complete answer (a finish or stop event: an OpenAI chunk with a `finish_reason`, an
   * Anthropic `message_stop`, the AI SDK's `finish` part). A stream that completes after one without any content
   * chunk is an empty answer, served as it is, not an `EmptyStreamError` retried. @default no chunk does
   */
  readonly isFinal?: (chunk: T) => boolean;
  /**
   * The error a chunk carries, if any: an error frame inside an HTTP 200 stream (OpenAI `error` events, Anthropic
   * `overloaded_error` events, the AI SDK's `error` parts) is classified like the HTTP error it stands for.
   */
  readonly errorOf?: (chunk: T) => unknown;
  /** Token usage a chunk reports (usually the last one), counted in {@link METRIC_TOKENS} as served or wasted. */
  readonly usageOf?: (chunk: T) => TokenUsage | undefined;
  /** With `afterCommit: 'fallback-continue'`: a stream that continues the partial output after a break. */
  readonly continueWith?: (
    continuation: StreamContinuation<T>,
  ) => AsyncIterable<T> | PromiseLike<AsyncIterable<T>>;
}

/** Options of `executeStream`: those of `execute`, plus how to read the chunks. */
export interface ExecuteStreamOptions<T> extends ExecuteOptions {
  readonly stream?: StreamCallOptions<T>;
}

/** The function a streamed call protects: it opens one attempt's stream. */
export type StreamFn<T> = (input: {
  readonly signal: AbortSignal;
  readonly attempt: number;
}) => AsyncIterable<T> | PromiseLike<AsyncIterable<T>>;
