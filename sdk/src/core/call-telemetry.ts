import type { Context, Span } from '@opentelemetry/api';
import { diag, SpanKind } from '@opentelemetry/api';
import { ResilienceError } from '../errors/call-errors.js';
import { ATTR_ERROR_TYPE, ATTR_RESILIENCE_OUTCOME, METRIC_CALL_DURATION, type Outcome } from '../semconv.js';
import { boundedErrorType } from '../telemetry/error-types.js';
import { endSpan, recordSpanFailure } from '../telemetry/spans.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { safely } from '../util/safely.js';
import { failureOutcome } from './attempt-outcome.js';
import type { CallContext, PolicyRuntime } from './call-context.js';
import type { ExecuteOptions } from './execute-options.js';
import { recordTokens, usageOfValue } from './token-usage.js';

/** Starts the call span (named after the policy unless `ExecuteOptions.span` says otherwise); never throws. */
export function startCallSpan(
  runtime: PolicyRuntime,
  telemetry: Telemetry,
  options: ExecuteOptions | undefined,
  parent: Context,
): Span | undefined {
  try {
    const s = options?.span;
    return telemetry.tracer.startSpan(
      s?.name ?? runtime.name,
      {
        kind: s?.kind ?? SpanKind.INTERNAL,
        attributes:
          s?.attributes === undefined
            ? runtime.attributes.base
            : { ...runtime.attributes.base, ...s.attributes },
      },
      parent,
    );
  } catch (error) {
    diag.error('agent-resilience: starting a call span failed', error);
    return undefined;
  }
}

/** Sets `ExecuteOptions.span.endAttributes` on the call span as the call ends; a throwing reader is reported. */
export function setEndAttributes(span: Span | undefined, options: ExecuteOptions | undefined): void {
  const endAttributes = options?.span?.endAttributes;
  if (endAttributes !== undefined && span?.isRecording() === true) {
    safely('reading end attributes', () => span.setAttributes(endAttributes()));
  }
}

/**
 * Ends a call's telemetry: {@link METRIC_CALL_DURATION} by outcome (`success`, `fallback`, `failure`, `rejected`,
 * `cancelled`), the served tokens of its result (`usageOf`) and the call span (ERROR only when the call finally failed; a cancellation is not an error).
 * Returns the outcome.
 */
export function finishCall(call: CallContext, start: number, error: unknown, value?: unknown): Outcome {
  const { telemetry, runtime, callSpan } = call;
  // A streamed call counts its tokens as its chunks arrive; an ordinary one from its result.
  if (error === undefined && call.stream === undefined && call.usageOf !== undefined) {
    recordTokens(call, 'served', usageOfValue(call, value));
  }
  const classified =
    error === undefined
      ? undefined
      : ResilienceError.isInstance(error)
        ? error.classified
        : runtime.classify(error);
  const outcome: Outcome =
    classified === undefined
      ? call.fallbackKind === undefined
        ? 'success'
        : 'fallback'
      : failureOutcome(classified);
  if (telemetry.metricsEnabled && outcome === 'success') {
    try {
      telemetry.instruments.callDuration.record((performance.now() - start) / 1000, runtime.hot.callSuccess);
    } catch (recordError) {
      diag.error('agent-resilience: recording a call failed', recordError);
    }
  } else if (telemetry.metricsEnabled) {
    safely('recording a call', () => {
      const errorType =
        classified === undefined || outcome === 'cancelled'
          ? undefined
          : boundedErrorType(classified.errorType);
      telemetry.instruments.callDuration.record(
        (performance.now() - start) / 1000,
        runtime.attributes.get(`c|${outcome}|${errorType ?? ''}`, () => ({
          [ATTR_RESILIENCE_OUTCOME]: outcome,
          ...(errorType === undefined ? {} : { [ATTR_ERROR_TYPE]: errorType }),
        })),
      );
    });
  }
  if (classified !== undefined) recordSpanFailure(callSpan, classified, outcome !== 'cancelled');
  endSpan(callSpan);
  return outcome;
}
