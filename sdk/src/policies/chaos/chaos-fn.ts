import { trace } from '@opentelemetry/api';
import type { ChaosFault } from '../../semconv.js';
import { sleep } from '../../util/abort.js';
import { isAsyncIterable } from '../../util/late-stream.js';
import { type ChaosPolicyRuntime, recordInjection } from './chaos-telemetry.js';
import { Chaos } from './controller.js';
import { faultyStream } from './faulty-stream.js';
import type { ChaosPlan } from './plan.js';
import { providerError } from './provider-errors.js';
import { CHAOS_DEFAULTS, isErrorFault } from './settings.js';
import type { ChaosCallInfo, ChaosController } from './types.js';

/** What the wrapped function receives: at least the attempt's signal. */
interface SignalInput {
  readonly signal: AbortSignal;
}

/**
 * Wraps the user's function of one call so that each invocation (one per attempt) may get a fault from
 * `controller`, as `plan` decides at that moment (the switch, the scope, the dice): a `latency` wait (cut by the
 * attempt's signal), then an error fault (the provider client's error, thrown without calling `fn`; an attempt
 * whose signal has aborted throws the abort reason instead) or a stream fault (the stream `fn` opens breaks after
 * `afterChunks` chunks). Each injection is counted and recorded ({@link METRIC_CHAOS_INJECTIONS}, a span event on
 * the attempt's span); telemetry never changes the outcome. An invocation that gets nothing calls `fn` directly.
 *
 * The pipeline calls it in `execute`/`executeStream` when `controller.enabled`; a controller not made by
 * `createChaos` leaves `fn` as it is.
 */
export function chaosFn<I extends SignalInput, R>(
  controller: ChaosController,
  runtime: ChaosPolicyRuntime,
  call: ChaosCallInfo,
  fn: (input: I) => R,
): (input: I) => R | Promise<Awaited<R>> {
  if (!(controller instanceof Chaos)) return fn;
  return input => {
    const plan = controller.plan(runtime.name, call);
    return plan === undefined ? fn(input) : inject(controller, runtime, plan, fn, input);
  };
}

async function inject<I extends SignalInput, R>(
  controller: Chaos,
  runtime: ChaosPolicyRuntime,
  plan: ChaosPlan,
  fn: (input: I) => R,
  input: I,
): Promise<Awaited<R>> {
  // fn runs inside the attempt's span context: capture it before the first await.
  const span = trace.getActiveSpan();
  const injected = (fault: ChaosFault) => {
    controller.countInjection(fault);
    recordInjection(runtime, fault, span);
  };
  const { signal } = input;
  if (plan.latencyMs !== undefined) {
    injected('latency');
    await sleep(plan.latencyMs, signal);
  }
  const failure = plan.failure;
  if (failure === undefined) return await fn(input);
  if (isErrorFault(failure.fault)) {
    if (signal.aborted) throw signal.reason;
    injected(failure.fault);
    throw providerError(failure.fault, failure.provider ?? CHAOS_DEFAULTS.provider, failure.retryAfterMs);
  }
  const opened = await fn(input);
  if (!isAsyncIterable(opened)) return opened;
  return faultyStream(opened, failure, signal, () => injected(failure.fault)) as Awaited<R>;
}
