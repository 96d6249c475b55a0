/**
 * The downstream of the model-based pipeline test: a protected function that follows a call's script attempt by
 * attempt and records every run (the attempt number and signal it got, the breaker state it ran in, when it
 * settled, when and why its signal aborted). Every event gets a sequence number, so the order of events at the
 * same virtual instant is known.
 */
import type { AttemptInput, ProtectedFn } from '../index.js';
import { ResilienceTimeoutError } from '../index.js';
import { httpError } from './errors.js';
import type { CallScript, Outcome } from './pipeline-scenario.js';

export type FailureKind = '503' | '429' | '400' | '401' | 'type_error';

/** How each failure is classified by default (`classifyError`). */
export const FAILURES: Readonly<
  Record<FailureKind, { readonly category: string; readonly retryable: boolean }>
> = {
  '503': { category: 'server_error', retryable: true },
  '429': { category: 'rate_limited', retryable: true },
  '400': { category: 'validation', retryable: false },
  '401': { category: 'authentication', retryable: false },
  type_error: { category: 'programming', retryable: false },
};

/** Categories that count as downstream failures for the breaker and recovery (their default). */
export const FAILURE_CATEGORIES: ReadonlySet<string> = new Set([
  'rate_limited',
  'server_error',
  'timeout',
  'authentication',
  'unknown',
]);

function failureError(kind: FailureKind, retryAfterMs: number | undefined): unknown {
  if (kind === 'type_error') return new TypeError('client.chat is not a function');
  return httpError(
    Number(kind),
    retryAfterMs === undefined ? {} : { 'retry-after-ms': String(retryAfterMs) },
  );
}

/** Abort reasons callers use: none (an `AbortError`), `AbortSignal.timeout`'s, an Error, an object, ours. */
export type AbortReasonKind = 'abort_error' | 'timeout_error' | 'error' | 'object' | 'resilience_timeout';

function abortReason(kind: Exclude<AbortReasonKind, 'abort_error'>): unknown {
  switch (kind) {
    case 'timeout_error':
      return new DOMException('signal timed out', 'TimeoutError');
    case 'error':
      return new Error('user navigated away');
    case 'object':
      return { why: 'shutdown' };
    case 'resilience_timeout':
      return new ResilienceTimeoutError('attempt', 5);
  }
}

/** One call as the harness drives it. */
export class CallHandle {
  readonly controller = new AbortController();
  readonly runs: RunRecord[] = [];
  /** Sequence number of the caller's abort. */
  abortedSeq: number | undefined;
  /** Sequence number at which the policy's promise settled, and how. */
  settledSeq: number | undefined;
  result:
    | { readonly ok: true; readonly value: unknown }
    | { readonly ok: false; readonly error: unknown }
    | undefined;
  /** `onRetry` calls of this call (retries the loop decided on). */
  retries = 0;
  /** Unsettled calls when this one started (concurrent scenarios). */
  unsettledAtStart = 0;

  constructor(
    readonly index: number,
    readonly script: CallScript,
  ) {}
}

/** One run of `fn`. */
export interface RunRecord {
  readonly call: CallHandle;
  readonly attempt: number;
  readonly outcome: Outcome;
  /** The breaker state `fn` started in (`-` without a breaker). */
  readonly breakerState: string;
  /** Breaker transitions before `fn` started: runs with the same number started in the same state episode. */
  readonly episode: number;
  readonly startSeq: number;
  readonly signal: AbortSignal;
  readonly signalAbortedAtStart: boolean;
  readonly callSettledAtStart: boolean;
  /** When `fn`'s own promise settled and whether it succeeded. */
  settled: { readonly seq: number; readonly ok: boolean } | undefined;
  /** When the signal `fn` got aborted, and its reason. */
  signalAbort: { readonly seq: number; readonly reason: unknown } | undefined;
}

/** What `fn` does on attempts past the end of its script: answer at once. */
export const ANSWER_NOW: Outcome = { kind: 'ok', latency: 0, sync: true };
const never = () => new Promise<never>(() => {});

export class ScriptedDownstream {
  readonly runs: RunRecord[] = [];
  private seq = 0;

  /** @param breaker Reads the policy's breaker state (`-` without one) and its transitions so far. */
  constructor(private readonly breaker: () => { readonly state: string; readonly episode: number }) {}

  /** The next sequence number. */
  tick(): number {
    return ++this.seq;
  }

  /** The caller of `call` aborts with a reason of `kind`. */
  abort(call: CallHandle, kind: AbortReasonKind): void {
    if (call.controller.signal.aborted) return;
    call.abortedSeq = this.tick();
    if (kind === 'abort_error') call.controller.abort();
    else call.controller.abort(abortReason(kind));
  }

  /** The protected function of `call`. */
  fn(call: CallHandle): ProtectedFn<string> {
    return (input: AttemptInput) => {
      const signal = input.signal;
      const breaker = this.breaker();
      const run: RunRecord = {
        call,
        attempt: input.attempt,
        outcome: call.script.attempts[call.runs.length] ?? ANSWER_NOW,
        breakerState: breaker.state,
        episode: breaker.episode,
        startSeq: this.tick(),
        signal,
        signalAbortedAtStart: signal.aborted,
        callSettledAtStart: call.settledSeq !== undefined,
        settled: undefined,
        signalAbort: undefined,
      };
      call.runs.push(run);
      this.runs.push(run);
      signal.addEventListener('abort', () => {
        run.signalAbort ??= { seq: this.tick(), reason: signal.reason };
      });
      return this.perform(run, `v${call.index}.${call.runs.length - 1}`);
    };
  }

  private done(run: RunRecord, ok: boolean): void {
    run.settled ??= { seq: this.tick(), ok };
  }

  private perform(run: RunRecord, value: string): string | Promise<string> {
    const o = run.outcome;
    const signal = run.signal;
    switch (o.kind) {
      case 'ok':
      case 'fail': {
        const produce = (): string => {
          if (o.kind === 'ok') {
            this.done(run, true);
            return value;
          }
          this.done(run, false);
          throw failureError(o.failure, o.retryAfterMs);
        };
        if (o.latency === 0) return o.sync ? produce() : Promise.resolve().then(produce);
        return new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => {
            try {
              resolve(produce());
            } catch (error) {
              reject(error);
            }
          }, o.latency);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            this.done(run, false);
            reject(signal.reason);
          });
        });
      }
      case 'hang':
        return new Promise<string>((_, reject) => {
          signal.addEventListener('abort', () => {
            this.done(run, false);
            reject(signal.reason);
          });
        });
      case 'stall':
        return never();
      case 'abort': {
        const act = (): string | Promise<string> => {
          this.abort(run.call, o.reason);
          if (o.client === 'stall') return never();
          this.done(run, o.client === 'resolve');
          if (o.client === 'resolve') return value;
          if (o.client === 'reject') throw signal.reason;
          throw httpError(503, {}, 'terminated');
        };
        return o.timing === 'sync' ? act() : Promise.resolve().then(act);
      }
    }
  }
}
