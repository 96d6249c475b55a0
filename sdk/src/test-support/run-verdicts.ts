/**
 * What each run of `fn` should have taught the pipeline, judged only from what the test observed (the order of
 * the caller's abort, our timeouts aborting the run's signal, and `fn` settling): the retry loop's view and the
 * view of the stages that judge outcomes (breaker, recovery). Used by the invariants of concurrent scenarios,
 * where no model predicts the interleaving.
 */
import type { ResilienceTimeoutError } from '../index.js';
import { ResilienceError } from '../index.js';
import type { METRIC_CALL_DURATION, TimeoutKind } from '../semconv.js';
import { type CallHandle, FAILURE_CATEGORIES, FAILURES, type RunRecord } from './scripted-downstream.js';

/** How a run ended first: the caller aborted, our timeout aborted its signal, or `fn` settled. */
export type RunEnd =
  | { readonly by: 'caller'; readonly seq: number }
  | { readonly by: 'timeout'; readonly seq: number; readonly kind: TimeoutKind }
  | { readonly by: 'fn'; readonly seq: number; readonly ok: boolean };

export function runEnd(run: RunRecord): RunEnd | undefined {
  const aborted = run.call.abortedSeq;
  const caller = aborted !== undefined && aborted > run.startSeq ? aborted : Number.POSITIVE_INFINITY;
  const abort = run.signalAbort;
  const ours =
    abort !== undefined && abort.reason !== run.call.controller.signal.reason
      ? abort.seq
      : Number.POSITIVE_INFINITY;
  const settled = run.settled?.seq ?? Number.POSITIVE_INFINITY;
  const first = Math.min(caller, ours, settled);
  if (first === Number.POSITIVE_INFINITY) return undefined;
  if (first === caller) return { by: 'caller', seq: first };
  if (first === ours) {
    const reason = abort?.reason as ResilienceTimeoutError;
    return { by: 'timeout', seq: first, kind: reason.kind };
  }
  return { by: 'fn', seq: first, ok: run.settled?.ok === true };
}

/** The classification of a run's failure as the retry loop sees it, or `success` / `cancelled`. */
export type LoopVerdict =
  | 'success'
  | 'cancelled'
  | { readonly category: string; readonly retryable: boolean };

export function loopVerdict(run: RunRecord): LoopVerdict | undefined {
  const end = runEnd(run);
  if (end === undefined) return undefined;
  if (end.by === 'caller') return 'cancelled';
  if (end.by === 'timeout') return { category: 'timeout', retryable: true };
  if (end.ok) return 'success';
  const o = run.outcome;
  if (o.kind !== 'fail') throw new Error(`a ${o.kind} run cannot fail on its own`);
  return FAILURES[o.failure];
}

/** What the breaker and recovery should book for a run: a cancelled attempt is neutral, whatever `fn` did next. */
export type StageVerdict = 'success' | 'failure' | 'neutral';

export function stageVerdict(run: RunRecord): StageVerdict | undefined {
  const loop = loopVerdict(run);
  if (loop === undefined) return undefined;
  if (loop === 'success') return 'success';
  if (loop === 'cancelled') return 'neutral';
  return FAILURE_CATEGORIES.has(loop.category) ? 'failure' : 'neutral';
}

/** The call's final error (when it failed or a fallback served it, from the fallback event), by identity. */
export function finalError(call: CallHandle): ResilienceError | undefined {
  const r = call.result;
  return r !== undefined && !r.ok && ResilienceError.isInstance(r.error) ? r.error : undefined;
}

/** How `execute` settled, in the words the model predicts. */
export function resultText(call: CallHandle): string {
  const r = call.result;
  if (r === undefined) return 'unsettled';
  if (r.ok) {
    const value = String(r.value);
    if (value.startsWith('fb-')) return `fallback(${value.slice(3)}) ${value}`;
    const from = /^v(\d+)\./.exec(value)?.[1];
    return from === String(call.index) ? `value ${value}` : `fallback(cache) ${value}`;
  }
  const e = r.error;
  if (!ResilienceError.isInstance(e)) return `not a ResilienceError: ${String(e)}`;
  const detail = 'strategy' in e ? String(e.strategy) : e.reason;
  return `${e.name}(${detail}) ${e.classified.category} attempts=${e.attempts}`;
}

/** The outcome label of a call in {@link METRIC_CALL_DURATION}. */
export function outcomeLabel(call: CallHandle): string {
  const text = resultText(call);
  if (text.startsWith('value')) return 'success';
  if (text.startsWith('fallback')) return 'fallback';
  if (text.startsWith('CallCancelledError')) return 'cancelled';
  if (text.startsWith('CallRejectedError')) return 'rejected';
  return 'failure';
}
