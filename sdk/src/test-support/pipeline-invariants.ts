/**
 * The invariants of DESIGN §3 every run must keep, whatever the interleaving, checked from observations only.
 * Each returns human-readable violations (empty when the run is sound).
 */
import { getEventListeners } from 'node:events';
import { CallRejectedError, type ResilienceError } from '../index.js';
import { BudgetModel } from './pipeline-model-counters.js';
import type { Scenario } from './pipeline-scenario-text.js';
import type { PipelineUnderTest } from './pipeline-under-test.js';
import { finalError, loopVerdict, resultText, runEnd, stageVerdict } from './run-verdicts.js';
import type { CallHandle, RunRecord } from './scripted-downstream.js';

/** What one property run observed. */
export interface Observation {
  readonly scenario: Scenario;
  readonly calls: readonly CallHandle[];
  readonly runs: readonly RunRecord[];
  readonly sut: PipelineUnderTest;
}

/** Final errors of all calls, including those a fallback served (from the fallback events). */
export function finalErrors(o: Observation): ResilienceError[] {
  const errors = o.calls.map(finalError).filter((e): e is ResilienceError => e !== undefined);
  return [...errors, ...o.sut.fallbacks.map(f => f.error)];
}

/** Settles exactly once; cancelled iff its caller aborted first; attempts bounded and counted as runs of `fn`. */
export function checkCalls(o: Observation): string[] {
  const out: string[] = [];
  const { config } = o.scenario;
  const maxRuns = (config.retry?.maxRetries ?? 0) + 1;
  for (const call of o.calls) {
    const name = `call #${call.index}`;
    const text = resultText(call);
    if (call.result === undefined) {
      out.push(`${name} never settled`);
      continue;
    }
    const cancelledFirst = call.abortedSeq !== undefined && call.abortedSeq < (call.settledSeq ?? 0);
    if (text.startsWith('CallCancelledError') !== cancelledFirst) {
      out.push(
        `${name}: caller ${cancelledFirst ? 'aborted' : 'did not abort'} before it settled, got ${text}`,
      );
    }
    if (call.runs.length > maxRuns) out.push(`${name}: ${call.runs.length} runs of fn > maxRetries + 1`);
    const error = finalError(call);
    if (error !== undefined && error.attempts !== call.runs.length) {
      out.push(`${name}: error.attempts=${error.attempts} but fn ran ${call.runs.length} times`);
    }
    const listeners = getEventListeners(call.controller.signal, 'abort').length;
    if (listeners > 0) out.push(`${name}: ${listeners} listener(s) left on the caller's signal`);
    const cached = /^fallback\(cache\) v(\d+)\.\d+$/.exec(text);
    const source = cached === null ? undefined : o.calls[Number(cached[1])];
    if (
      source !== undefined &&
      (call.script.cacheKey === undefined || source.script.cacheKey !== call.script.cacheKey)
    ) {
      out.push(`${name} (cacheKey ${call.script.cacheKey}) was served call #${source.index}'s answer`);
    }
  }
  if (config.listeners && o.sut.settleEvents.count !== o.calls.length) {
    out.push(`${o.sut.settleEvents.count} onSuccess/onFailure events for ${o.calls.length} calls`);
  }
  return out;
}

/** Each run: its own attempt number and a signal of its call (never the caller's), never after the call ended. */
export function checkRuns(o: Observation): string[] {
  const out: string[] = [];
  const owner = new Map<AbortSignal, number>();
  for (const run of o.runs) {
    const name = `call #${run.call.index} run ${run.call.runs.indexOf(run)}`;
    if (run.attempt !== run.call.runs.indexOf(run)) out.push(`${name}: got attempt=${run.attempt}`);
    if (run.callSettledAtStart) out.push(`${name}: fn ran after its call had settled`);
    if (run.signalAbortedAtStart) out.push(`${name}: fn started with an aborted signal`);
    if (run.signal === run.call.controller.signal) out.push(`${name}: fn got the caller's own signal`);
    if ((owner.get(run.signal) ?? run.call.index) !== run.call.index)
      out.push(`${name}: signal shared with another call`);
    owner.set(run.signal, run.call.index);
    if (run.breakerState === 'open' || run.breakerState === 'isolated') {
      out.push(`${name}: fn ran while the breaker was ${run.breakerState}`);
    }
  }
  return out;
}

/** Half-open admits at most `sampling.calls` probes at once (a neutral probe frees its slot). */
export function checkProbes(o: Observation): string[] {
  const sampling = o.scenario.config.breaker?.sampling;
  if (sampling === undefined) return [];
  const out: string[] = [];
  const probes = o.runs.filter(r => r.breakerState === 'half_open');
  const endSeq = (r: RunRecord) => runEnd(r)?.seq ?? Number.POSITIVE_INFINITY;
  for (const run of probes) {
    const earlier = probes.filter(p => p.episode === run.episode && p.startSeq < run.startSeq);
    const inFlight = earlier.filter(p => endSeq(p) > run.startSeq).length;
    const counted = earlier.filter(p => endSeq(p) < run.startSeq && stageVerdict(p) !== 'neutral').length;
    if (inFlight + counted >= sampling.calls) {
      out.push(`call #${run.call.index}: probe admitted with ${inFlight} in flight and ${counted} counted`);
    }
  }
  return out;
}

/** The breaker booked exactly what its runs taught (a cancellation is never a failure), rejections included. */
export function checkBreakerBooks(o: Observation): string[] {
  const breaker = o.sut.policy.circuitBreaker;
  if (breaker === undefined) return [];
  const verdicts = o.runs.map(stageVerdict);
  const rejectedBy = (strategy: string) =>
    finalErrors(o).filter(e => CallRejectedError.isInstance(e) && e.strategy === strategy).length;
  const expected = {
    successes: verdicts.filter(v => v === 'success').length,
    failures: verdicts.filter(v => v === 'failure').length,
    ignored: verdicts.filter(v => v === 'neutral').length + rejectedBy('recovery'),
    rejections: rejectedBy('circuit_breaker'),
  };
  const s = breaker.snapshot();
  const actual = {
    successes: s.successes,
    failures: s.failures,
    ignored: s.ignored,
    rejections: s.rejections,
  };
  return JSON.stringify(actual) === JSON.stringify(expected)
    ? []
    : [`breaker booked ${JSON.stringify(actual)}, the runs taught ${JSON.stringify(expected)}`];
}

/** Recovery admitted exactly the attempts that ran `fn` and shed exactly the attempts rejected as `recovery`. */
export function checkRecoveryAdmissions(o: Observation): string[] {
  const recovery = o.sut.policy.recovery;
  if (recovery === undefined) return [];
  const { admitted, shed } = recovery.snapshot();
  const rejected = finalErrors(o).filter(
    e => CallRejectedError.isInstance(e) && e.strategy === 'recovery',
  ).length;
  return admitted === o.runs.length && shed === rejected
    ? []
    : [`recovery admitted ${admitted} and shed ${shed}; fn ran ${o.runs.length} times, ${rejected} shed`];
}

/** The budget heard of every downstream result and nothing else, and granted exactly what it allowed. */
export function checkBudget(o: Observation): string[] {
  const spec = o.scenario.config.retry?.budget;
  if (spec === undefined) return [];
  const out: string[] = [];
  const log = o.sut.gateLog;
  const verdicts = o.runs.map(loopVerdict);
  const count = (event: string) => log.filter(e => e === event).length;
  const successes = verdicts.filter(v => v === 'success').length;
  const failures = verdicts.filter(v => typeof v === 'object' && v.retryable).length;
  if (count('success') !== successes || count('failure') !== failures) {
    out.push(
      `budget heard ${count('success')} successes / ${count('failure')} failures; runs: ${successes} / ${failures}`,
    );
  }
  const retries = o.calls.reduce((sum, c) => sum + c.retries, 0);
  if (count('granted') !== retries)
    out.push(`budget granted ${count('granted')} retries, ${retries} happened`);
  const replay = new BudgetModel(spec);
  log.forEach((event, i) => {
    if (event === 'call') replay.onCall();
    else if (event === 'success' || event === 'failure') replay.onAttempt(event === 'success');
    else if (replay.tryRetry() !== (event === 'granted'))
      out.push(`budget ${event} retry #${i} against its rule`);
  });
  return out;
}

/** The bulkhead never lets more calls in than `maxConcurrent`, and refuses only when running and queue are full. */
export function checkBulkhead(o: Observation): string[] {
  const b = o.scenario.config.bulkhead;
  if (b === undefined) return [];
  const out: string[] = [];
  for (const run of o.runs) {
    const inFlight = o.runs.filter(
      r => r.startSeq <= run.startSeq && (runEnd(r)?.seq ?? Infinity) > run.startSeq,
    );
    const calls = new Set(inFlight.map(r => r.call.index)).size;
    if (calls > b.maxConcurrent)
      out.push(`call #${run.call.index}: fn ran with ${calls} calls inside the bulkhead`);
  }
  for (const call of o.calls) {
    const text = resultText(call);
    if (
      text.startsWith('CallRejectedError(bulkhead)') &&
      call.unsettledAtStart < b.maxConcurrent + b.maxQueue
    ) {
      out.push(`call #${call.index}: bulkhead refused it with ${call.unsettledAtStart} calls unsettled`);
    }
  }
  return out;
}

/** Every invariant that holds whatever the interleaving. */
export function checkInvariants(o: Observation): string[] {
  return [
    ...checkCalls(o),
    ...checkRuns(o),
    ...checkProbes(o),
    ...checkBreakerBooks(o),
    ...checkRecoveryAdmissions(o),
    ...checkBudget(o),
    ...checkBulkhead(o),
  ];
}
