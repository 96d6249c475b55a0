import type { AttemptContext } from '../core/attempt-context.js';
import { classifyAttemptFailure } from '../core/attempt-outcome.js';
import type { StreamCall } from '../core/call-context.js';
import { recordTokens, UsageTally } from '../core/token-usage.js';
import { ResilienceError } from '../errors/call-errors.js';
import { ResilienceTimeoutError } from '../errors/signals.js';
import { linkAbort, raceAbort } from '../util/abort.js';
import { closeLateStream, isAsyncIterable } from '../util/late-stream.js';
import { safelyGet } from '../util/safely.js';
import { CommittedStream } from './committed-stream.js';
import { ServedStream } from './served-stream.js';
import { StreamReader } from './stream-reader.js';
import { recordBreak, recordCommit } from './stream-telemetry.js';
import { recordTimeout } from './timeout.js';

/** What a stream read before its commit: the chunks to hand over first, and whether one was content. */
interface Opening {
  readonly buffered: unknown[];
}

/**
 * Opens one attempt's stream (the innermost stage of a streamed call) and reads it up to its first content chunk:
 * the commit. Until then everything is an attempt failure the pipeline may retry or serve from a fallback without
 * the consumer seeing anything: `fn` throwing, a chunk carrying an error (`errorOf`), no content chunk within
 * `firstChunkTimeoutMs` (or, without it, a silence over `stallTimeoutMs`, counted from the request), the
 * connection dropping, the stream ending empty. After the commit, a gap over `stallTimeoutMs` is a stall. At the
 * commit the attempt resolves with a {@link CommittedStream} and its outcome is deferred to the stream's end.
 *
 * The stream gets a signal of its own, aborting with the attempt's (its timeouts before the commit) and with the
 * caller's (at any time): aborting it closes the provider request.
 */
export async function openStream(attempt: AttemptContext, stream: StreamCall): Promise<CommittedStream> {
  const { settings } = stream;
  const controller = new AbortController();
  const unlinkAttempt = linkAbort(attempt.signal, controller);
  const unlinkCaller = linkAbort(attempt.call.callerSignal, controller);
  const usage = new UsageTally();
  // Before the commit the wait is bounded by firstChunkTimeoutMs when set (a long time to first token is allowed
  // then), else by stallTimeoutMs as a silence, from the request on: a client may open its stream only at the
  // first token (the AI SDK's chat models do), and a silence is a stall whichever side of the opening it falls.
  const firstChunkMs = settings.firstChunkTimeoutMs;
  const stallMs = settings.stallTimeoutMs;
  const openingTimeout =
    firstChunkMs !== undefined
      ? new ResilienceTimeoutError('first_chunk', firstChunkMs)
      : stallMs !== undefined
        ? new ResilienceTimeoutError('stall', stallMs)
        : undefined;
  let openingTimer =
    openingTimeout === undefined
      ? undefined
      : setTimeout(() => controller.abort(openingTimeout), firstChunkMs ?? stallMs);
  let reader: StreamReader<unknown> | undefined;
  let chunks = 0;
  // What fn opens (not raced: see invoke); a stream it opens after we gave up waiting is closed when it arrives.
  const request = attempt.invoke(controller.signal);
  let opened = false;
  try {
    const iterable = await raceAbort(request, controller.signal);
    opened = true;
    if (!isAsyncIterable(iterable))
      throw new TypeError('executeStream: fn must return an AsyncIterable (a stream)');
    if (firstChunkMs === undefined && openingTimer !== undefined) {
      clearTimeout(openingTimer);
      openingTimer = undefined;
    }
    reader = new StreamReader(
      iterable[Symbol.asyncIterator](),
      controller,
      firstChunkMs === undefined ? stallMs : undefined,
    );
    const opening = await readToCommit(reader, stream, usage, () => chunks++);
    if (openingTimer !== undefined) clearTimeout(openingTimer);
    reader.watchStalls(stallMs);
    // From here on only the call ends the stream early (the caller, the total timeout: the committed stream
    // follows the call's signal itself); the attempt's timeouts are done with.
    unlinkAttempt();
    unlinkCaller();
    attempt.defer();
    attempt.call.beginStream();
    recordCommit(attempt);
    const committed = new CommittedStream(attempt, stream, reader, controller, opening.buffered, usage);
    committed.nested = iterable instanceof CommittedStream || iterable instanceof ServedStream;
    return committed;
  } catch (error) {
    if (openingTimer !== undefined) clearTimeout(openingTimer);
    const reason = controller.signal.aborted ? controller.signal.reason : error;
    controller.abort(reason);
    reader?.close();
    if (!opened) closeLateStream(request);
    unlinkAttempt();
    unlinkCaller();
    const failure = controller.signal.aborted && ResilienceTimeoutError.isInstance(reason) ? reason : error;
    if (
      ResilienceTimeoutError.isInstance(failure) &&
      failure.kind !== 'attempt' &&
      failure.kind !== 'total'
    ) {
      recordTimeout(attempt.call, failure.kind, attempt);
    }
    if (attempt.invoked) {
      const classified = classifyAttemptFailure(attempt, failure);
      // Another policy's stream (a model policy inside a chain's) recorded its own break.
      if (classified.category !== 'cancelled' && !ResilienceError.isInstance(failure)) {
        recordBreak(
          attempt,
          false,
          classified,
          ResilienceTimeoutError.isInstance(failure) && failure.kind === 'stall',
          chunks,
        );
      }
      recordTokens(attempt.call, 'wasted', usage);
    }
    throw failure;
  }
}

/** Reads until the first content chunk; throws what ends the stream before it. */
async function readToCommit(
  reader: StreamReader<unknown>,
  stream: StreamCall,
  usage: UsageTally,
  counted: () => void,
): Promise<Opening> {
  const { isContent, isFinal, errorOf, usageOf } = stream.options;
  const buffered: unknown[] = [];
  let final = false;
  for (;;) {
    const result = await reader.next();
    // A stream that completed after its final chunk without content is an empty answer: committed as it is.
    if (result.done === true) {
      if (final) return { buffered };
      throw new EmptyStreamError();
    }
    const chunk = result.value;
    counted();
    const carried =
      errorOf === undefined ? undefined : safelyGet('stream errorOf', () => errorOf(chunk), undefined);
    if (carried !== undefined && carried !== null && carried !== false) throw carried;
    if (usageOf !== undefined) usage.add(safelyGet('stream usageOf', () => usageOf(chunk), undefined));
    buffered.push(chunk);
    if (isContent === undefined || safelyGet('stream isContent', () => isContent(chunk), true))
      return { buffered };
    if (isFinal !== undefined && !final) final = safelyGet('stream isFinal', () => isFinal(chunk), false);
  }
}

/**
 * A stream that ended before any content chunk (and without a final chunk, see `isFinal`): a retryable failure of
 * the provider (classified `server_error`).
 */
export class EmptyStreamError extends Error {
  override readonly name = 'EmptyStreamError';
  readonly status = 502;

  constructor() {
    super('The stream ended before its first content chunk');
  }
}
