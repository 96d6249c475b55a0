import type { AttemptContext } from '../core/attempt-context.js';
import type { CallContext } from '../core/call-context.js';
import {
  ATTR_RESILIENCE_HEDGE_DENIAL_REASON,
  ATTR_RESILIENCE_HEDGE_NUMBER,
  ATTR_RESILIENCE_HEDGE_RESULT,
  ATTR_RESILIENCE_HEDGE_TARGET,
  EVENT_HEDGE,
  type HedgeDenialReason,
  type HedgeResult,
} from '../semconv.js';
import { addSpanEvent } from '../telemetry/spans.js';
import { safely } from '../util/safely.js';

/** Counts a hedged attempt's result in {@link METRIC_HEDGES} and marks its span. */
export function recordHedgeResult(attempt: AttemptContext, result: HedgeResult): void {
  const call = attempt.call;
  safely('recording a hedge', () => {
    attempt.scope?.span?.setAttribute(ATTR_RESILIENCE_HEDGE_RESULT, result);
    if (attempt.hedge === 0 || !call.telemetry.metricsEnabled) return;
    call.telemetry.instruments.hedges.add(1, hedgeAttributes(call, result));
  });
}

/** A hedge started: a span event on the call span. */
export function recordHedgeStart(call: CallContext, number: number, target: string | undefined): void {
  addSpanEvent(call.callSpan, EVENT_HEDGE, {
    [ATTR_RESILIENCE_HEDGE_NUMBER]: number,
    ...(target === undefined ? {} : { [ATTR_RESILIENCE_HEDGE_TARGET]: target }),
  });
}

/** A hedge was not started (or its target refused it before it ran): counted `denied`, with a span event. */
export function recordHedgeDenied(call: CallContext, number: number, reason: HedgeDenialReason): void {
  safely('recording a denied hedge', () => {
    if (call.telemetry.metricsEnabled)
      call.telemetry.instruments.hedges.add(1, hedgeAttributes(call, 'denied'));
  });
  addSpanEvent(call.callSpan, EVENT_HEDGE, {
    [ATTR_RESILIENCE_HEDGE_NUMBER]: number,
    [ATTR_RESILIENCE_HEDGE_RESULT]: 'denied',
    [ATTR_RESILIENCE_HEDGE_DENIAL_REASON]: reason,
  });
}

/** Records {@link METRIC_HEDGE_SAVED}: the latency a winning hedge saved, in ms. */
export function recordHedgeSaved(call: CallContext, savedMs: number): void {
  if (!call.telemetry.metricsEnabled || !(savedMs > 0)) return;
  safely('recording hedge savings', () =>
    call.telemetry.instruments.hedgeSaved.record(savedMs / 1000, call.runtime.attributes.base),
  );
}

const hedgeAttributes = (call: CallContext, result: HedgeResult) =>
  call.runtime.attributes.get(`h|${result}`, () => ({ [ATTR_RESILIENCE_HEDGE_RESULT]: result }));
