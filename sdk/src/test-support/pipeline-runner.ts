/**
 * Runs a scenario against the real policy under vitest's fake timers (installed by the caller, with
 * `setImmediate` left real) and returns every violation: of the reference model (sequential scenarios), of the
 * invariants (all scenarios), of the metrics (when the OTel SDK is installed), and timers left after `dispose()`.
 */
import { vi } from 'vitest';
import { TestTelemetry } from './otel.js';
import { checkInvariants } from './pipeline-invariants.js';
import { checkMetrics } from './pipeline-metrics.js';
import { PipelineModel } from './pipeline-model.js';
import { outcomeText, type Scenario } from './pipeline-scenario-text.js';
import { type PipelineUnderTest, pipelineUnderTest } from './pipeline-under-test.js';
import { resultText } from './run-verdicts.js';
import { CallHandle, ScriptedDownstream } from './scripted-downstream.js';

/** The fake timers a scenario needs: everything time-related except `setImmediate` and microtasks. */
export const FAKED = [
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'Date',
  'performance',
] as const;

const macrotask = () => new Promise<void>(resolve => setImmediate(resolve));

/** Timers still pending, once those due now have fired (the in-memory span exporter reports through one). */
function pendingTimers(): number {
  vi.advanceTimersByTime(0);
  return vi.getTimerCount();
}

/** Starts `call`: aborts first if its script says so, records how and when it settles. */
function startCall(
  call: CallHandle,
  sut: PipelineUnderTest,
  downstream: ScriptedDownstream,
  throwing: boolean,
) {
  const { script } = call;
  if (script.preAbort !== undefined) downstream.abort(call, script.preAbort);
  const abortOnRetry = script.abortOnRetry;
  sut.policy
    .execute(downstream.fn(call), {
      signal: call.controller.signal,
      ...(script.cacheKey !== undefined && { cacheKey: script.cacheKey }),
      ...(script.rateLimitKey !== undefined && { rateLimitKey: script.rateLimitKey }),
      onRetry: info => {
        call.retries++;
        if (abortOnRetry?.retry === info.attempt) downstream.abort(call, abortOnRetry.reason);
        if (throwing) throw new Error('hook failed');
      },
    })
    .then(
      value => {
        call.settledSeq = downstream.tick();
        call.result = { ok: true, value };
      },
      (error: unknown) => {
        call.settledSeq = downstream.tick();
        call.result = { ok: false, error };
      },
    );
}

/** Fires timers one at a time, letting promises settle in between, until `call` settles or nothing is left. */
async function settle(call: CallHandle): Promise<void> {
  for (let step = 0; step < 1_000; step++) {
    await macrotask();
    if (call.result !== undefined) return;
    if (vi.getTimerCount() === 0) {
      for (let i = 0; i < 3 && call.result === undefined; i++) await macrotask();
      return;
    }
    vi.advanceTimersToNextTimer();
  }
}

/** Runs calls one after another and compares each with the model; stops at the first difference. */
async function runSequential(
  s: Scenario,
  sut: PipelineUnderTest,
  downstream: ScriptedDownstream,
  calls: readonly CallHandle[],
): Promise<string[]> {
  const model = new PipelineModel(s.config);
  for (const call of calls) {
    const { script } = call;
    vi.advanceTimersByTime(script.atMs);
    model.now += script.atMs;
    const start = Date.now();
    startCall(call, sut, downstream, s.config.throwingHooks);
    await settle(call);
    const name = `call #${call.index} [${script.attempts.map(outcomeText).join(' · ')}]`;
    if (call.result === undefined) return [`${name} never settled (no timer left to fire)`];
    const predicted = model.call(call.index, script);
    const actual = {
      result: resultText(call),
      runs: call.runs.map(r => r.breakerState),
      durationMs: Date.now() - start,
    };
    const expected = { result: predicted.result, runs: predicted.runs, durationMs: predicted.durationMs };
    const state = { actual: sut.stateText(), expected: model.stateText() };
    if (JSON.stringify(actual) !== JSON.stringify(expected) || state.actual !== state.expected) {
      return [
        `${name} differs from the model`,
        `  policy: ${JSON.stringify(actual)}`,
        `  model:  ${JSON.stringify(expected)}`,
        `  state after it, policy: ${state.actual}`,
        `  state after it, model:  ${state.expected}`,
      ];
    }
    const timers = pendingTimers();
    if (timers > 0) return [`${name}: ${timers} timer(s) pending after it settled`];
  }
  return [];
}

/** Starts every call (and its caller's abort) at its time and lets everything run out. */
async function runConcurrent(
  s: Scenario,
  sut: PipelineUnderTest,
  downstream: ScriptedDownstream,
  calls: readonly CallHandle[],
): Promise<void> {
  const started = new Set<CallHandle>();
  for (const call of calls) {
    setTimeout(() => {
      call.unsettledAtStart = [...started].filter(c => c.result === undefined).length;
      started.add(call);
      startCall(call, sut, downstream, s.config.throwingHooks);
    }, call.script.atMs);
    const abortAt = call.script.abortAt;
    if (abortAt !== undefined) setTimeout(() => downstream.abort(call, abortAt.reason), abortAt.ms);
  }
  for (let round = 0; round < 10 && calls.some(c => c.result === undefined); round++) {
    await vi.advanceTimersByTimeAsync(60_000);
    if (vi.getTimerCount() === 0) for (let i = 0; i < 3; i++) await macrotask();
  }
}

/** Runs `s` and returns its violations (empty: the run is sound). */
export async function runScenario(s: Scenario): Promise<string[]> {
  const otel = s.config.telemetry ? new TestTelemetry().install() : undefined;
  const sut = pipelineUnderTest(s.config);
  const downstream = new ScriptedDownstream(() => ({
    state: sut.policy.circuitBreaker?.state ?? '-',
    episode: sut.transitions.count,
  }));
  const calls = s.calls.map((script, i) => new CallHandle(i, script));
  try {
    if (s.mode === 'sequential') {
      const differences = await runSequential(s, sut, downstream, calls);
      if (differences.length > 0) return differences;
    } else {
      await runConcurrent(s, sut, downstream, calls);
    }
    const observation = { scenario: s, calls, runs: downstream.runs, sut };
    const violations = checkInvariants(observation);
    if (otel !== undefined) violations.push(...(await checkMetrics(observation, otel)));
    sut.dispose();
    const timers = pendingTimers();
    if (timers > 0) violations.push(`${timers} timer(s) left after dispose()`);
    return violations;
  } finally {
    sut.dispose();
    vi.clearAllTimers();
    await otel?.uninstall();
  }
}
