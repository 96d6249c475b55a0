import { context } from '@opentelemetry/api';
import type { AttemptKind } from '../semconv.js';
import { raceAbort } from '../util/abort.js';
import { type AttemptScope, beginAttempt } from './attempt-telemetry.js';
import type { AttemptInput, CallContext } from './call-context.js';

/** What a hedging target's function receives: the attempt's input and the call's `properties`. */
export interface TargetInput extends AttemptInput {
  /** The call's `ExecuteOptions.properties` (e.g. the prompt to send), empty when none were given. */
  readonly properties: Readonly<Record<string, unknown>>;
}

/** A hedging target an attempt goes to instead of the call's own function. */
export interface AttemptTarget {
  readonly name: string;
  readonly fn: (input: TargetInput) => unknown;
}

const NO_PROPERTIES: Readonly<Record<string, unknown>> = Object.freeze({});

/** The final cause of an attempt that succeeded (see {@link AttemptContext.onFinish}). */
export const SUCCEEDED: unique symbol = Symbol('succeeded');

/** The final cause of an attempt not finished yet. */
const UNFINISHED: unique symbol = Symbol('unfinished');

/** `fn`'s input when the attempt has no signal of its own: the call's own signal is made only if `fn` reads it. */
class LazySignalInput implements AttemptInput {
  readonly #call: CallContext;
  constructor(
    call: CallContext,
    readonly attempt: number,
  ) {
    this.#call = call;
  }
  get signal(): AbortSignal {
    return this.#call.ownSignal();
  }
}

/**
 * The state of ONE attempt of a call (internal), created by the attempt loop for each attempt and passed through
 * the attempt stages. Nothing here is shared with another attempt: an attempt timeout gives this attempt its
 * own signal, and a later attempt (or a rejection before `fn` runs) never sees an earlier attempt's signal.
 */
export class AttemptContext {
  /** This attempt's signal: the call's, joined with the attempt timeout when there is one. */
  signal: AbortSignal;
  /** Telemetry of the attempt, from the moment `fn` runs (undefined when unobserved or not run). */
  scope: AttemptScope | undefined;
  /** Whether `fn` ran: an attempt rejected before it (open breaker, shed, limiter) is a rejection, not an attempt. */
  invoked = false;
  /** Whether a half-open circuit breaker admitted this attempt as one of its probes (recovery lets probes through). */
  probe = false;
  /** Set by an attempt timeout: it already settles the attempt at once on abort, so `invoke` need not race it. */
  settlesOnAbort = false;
  /** One-based number of a hedged attempt within its round; 0 for an attempt that is not a hedge. */
  hedge = 0;
  /** The hedging target this attempt runs instead of the call's function, if any. */
  target: AttemptTarget | undefined;
  private finals: Array<(cause: unknown) => void> | undefined;
  private finishedWith: unknown = UNFINISHED;

  constructor(
    readonly call: CallContext,
    /** Zero-based attempt number. */
    readonly number: number,
  ) {
    this.signal = call.signal;
  }

  /** `hedge` for a hedged attempt, else `original` for the first attempt and `retry` after. */
  get kind(): AttemptKind {
    if (this.hedge > 0) return 'hedge';
    return this.number === 0 ? 'original' : 'retry';
  }

  /**
   * Whether the attempt's outcome is known only later: a committed stream resolves its attempt at the commit, and
   * the stages that learn from outcomes book it when the stream ends ({@link onFinish}).
   */
  get deferred(): boolean {
    return this.finals !== undefined;
  }

  /** Marks the outcome as known only at {@link finish} (a stream that committed). */
  defer(): void {
    this.finals ??= [];
  }

  /**
   * Runs `book` with the final cause ({@link SUCCEEDED} or the failure) when a deferred attempt {@link finish}es, or
   * at once if it already has (a stream the caller cut before every stage had registered).
   */
  onFinish(book: (cause: unknown) => void): void {
    if (this.finishedWith !== UNFINISHED) book(this.finishedWith);
    else this.finals?.push(book);
  }

  /** Ends a deferred attempt: books every registered stage with `cause` (once). */
  finish(cause: unknown): void {
    const finals = this.finals;
    if (finals === undefined || this.finishedWith !== UNFINISHED) return;
    this.finishedWith = cause;
    this.finals = [];
    for (const book of finals) book(cause);
  }

  /**
   * Runs the protected function (the innermost stage), inside the attempt's span when it has one; settles as soon
   * as the attempt's signal aborts. `signal` overrides the one `fn` receives (a stream's own): then the promise is
   * `fn`'s own, not raced, for the stream's opener races it (and closes a stream that arrives too late).
   */
  invoke(signal?: AbortSignal): Promise<unknown> {
    const call = this.call;
    this.invoked = true;
    call.attempts++;
    const target = this.target;
    const input: AttemptInput | TargetInput =
      target !== undefined
        ? {
            signal: signal ?? this.signal,
            attempt: this.number,
            properties: call.properties ?? NO_PROPERTIES,
          }
        : signal !== undefined
          ? { signal, attempt: this.number }
          : this.signal === call.callerSignal
            ? new LazySignalInput(call, this.number)
            : { signal: this.signal, attempt: this.number };
    const fn = (target?.fn ?? call.fn) as (input: AttemptInput) => unknown;
    try {
      const scope = call.observed ? beginAttempt(this) : undefined;
      this.scope = scope;
      const value =
        scope?.context === undefined ? fn(input) : context.with(scope.context, fn, undefined, input);
      // The attempt ends when its own signal aborts (caller, total or attempt timeout), even if fn ignores it:
      // the stages inside the retry loop then judge it at once (a cancellation is neutral, a deadline a timeout)
      // instead of waiting for a function that may never settle.
      const running = Promise.resolve(value);
      return this.settlesOnAbort || signal !== undefined ? running : raceAbort(running, this.signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
