import type { Attributes, Context, Span } from '@opentelemetry/api';
import { diag, SpanKind, trace } from '@opentelemetry/api';
import type { ClassifiedError } from '../classify/types.js';
import { ResilienceError } from '../errors/call-errors.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_RESILIENCE_ATTEMPT_KIND,
  ATTR_RESILIENCE_ATTEMPT_NUMBER,
  ATTR_RESILIENCE_CHAOS_INJECTED,
  ATTR_RESILIENCE_ERROR_CATEGORY,
  ATTR_RESILIENCE_ERROR_RETRYABLE,
  ATTR_RESILIENCE_ERROR_SEVERITY,
  ATTR_RESILIENCE_HEDGE_NUMBER,
  ATTR_RESILIENCE_HEDGE_TARGET,
  ATTR_RESILIENCE_OUTCOME,
  attemptSpanName,
  METRIC_ATTEMPT_DURATION,
  METRIC_ERRORS,
} from '../semconv.js';
import { boundedErrorType } from '../telemetry/error-types.js';
import { endSpan, isRecording, recordSpanFailure } from '../telemetry/spans.js';
import { safely, safelyGet } from '../util/safely.js';
import type { AttemptContext } from './attempt-context.js';
import { failureOutcome } from './attempt-outcome.js';

/** Telemetry of one attempt that ran `fn`. */
export interface AttemptScope {
  /** `performance.now()` when `fn` started. */
  readonly start: number;
  /** The attempt's span, when the call span is recording. */
  readonly span: Span | undefined;
  /** OTel context holding the attempt span, to run `fn` in. */
  readonly context: Context | undefined;
}

function attemptSpanAttributes(attempt: AttemptContext): Attributes {
  const { runtime } = attempt.call;
  if (attempt.number === 0 && attempt.hedge === 0) return runtime.hot.originalAttemptSpan;
  const attributes: Attributes = {
    ...runtime.attributes.base,
    [ATTR_RESILIENCE_ATTEMPT_NUMBER]: attempt.number,
    [ATTR_RESILIENCE_ATTEMPT_KIND]: attempt.kind,
  };
  if (attempt.hedge > 0) attributes[ATTR_RESILIENCE_HEDGE_NUMBER] = attempt.hedge;
  if (attempt.target !== undefined) attributes[ATTR_RESILIENCE_HEDGE_TARGET] = attempt.target.name;
  return attributes;
}

/** Index of an attempt's kind in `HotAttributes.attemptSuccess`: original, retry, hedge. */
const attemptIndex = (attempt: AttemptContext): number =>
  attempt.hedge > 0 ? 2 : attempt.number === 0 ? 0 : 1;

/**
 * Starts an attempt's telemetry when `fn` is about to run: the clock of {@link METRIC_ATTEMPT_DURATION} and,
 * when the call span is recording, a child span. With `attemptSpans: 'retries'` (the default) the original
 * attempt gets no span up front: a call that needs one attempt is fully described by its call span, and if it
 * is retried the original attempt's span is recorded afterwards ({@link recordOriginalAttemptSpan}) with its real
 * start and end. Returns undefined when nothing observes the call.
 */
export function beginAttempt(attempt: AttemptContext): AttemptScope | undefined {
  const call = attempt.call;
  try {
    const recording = isRecording(call.callSpan);
    if (!call.telemetry.metricsEnabled && !recording) return undefined;
    let span: Span | undefined;
    if (recording && (attempt.number > 0 || attempt.hedge > 0 || call.runtime.attemptSpans === 'always')) {
      span = call.telemetry.tracer.startSpan(
        attemptSpanName(call.runtime.name),
        { kind: SpanKind.INTERNAL, attributes: attemptSpanAttributes(attempt) },
        call.otelContext,
      );
    }
    return {
      start: performance.now(),
      span,
      context: span === undefined ? undefined : trace.setSpan(call.otelContext, span),
    };
  } catch (error) {
    diag.error('agent-resilience: starting attempt telemetry failed', error);
    return undefined;
  }
}

/** Ends the telemetry of an attempt that succeeded. */
export function recordAttemptSuccess(attempt: AttemptContext): void {
  const scope = attempt.scope;
  if (scope === undefined) return;
  const { telemetry, runtime } = attempt.call;
  if (telemetry.metricsEnabled) {
    try {
      telemetry.instruments.attemptDuration.record(
        (performance.now() - scope.start) / 1000,
        runtime.hot.attemptSuccess[attemptIndex(attempt)],
      );
    } catch (error) {
      diag.error('agent-resilience: recording an attempt failed', error);
    }
  }
  endSpan(scope.span);
}

/**
 * Records a failed attempt: {@link METRIC_ERRORS} for every classification (rejections before `fn` included),
 * and, only if `fn` ran, {@link METRIC_ATTEMPT_DURATION} and the attempt span's error status (a cancellation is
 * not an error). A rejection before `fn` is counted by the rejecting stage, not as an attempt. `error` is what
 * the attempt failed with: an inner policy's final error (a `ResilienceError`, e.g. a model policy inside a
 * chain's) was counted in {@link METRIC_ERRORS} by that policy, so it is not counted again. A failure chaos
 * injection produced carries {@link ATTR_RESILIENCE_CHAOS_INJECTED}. `countError: false` records the attempt only
 * (hedging: a racer it abandoned, whose abort is no error).
 */
export function recordAttemptFailure(
  attempt: AttemptContext,
  classified: ClassifiedError,
  error: unknown,
  countError = true,
): void {
  const call = attempt.call;
  const { telemetry, runtime } = call;
  if (!call.observed) return;
  const scope = attempt.scope;
  if (telemetry.metricsEnabled) {
    safely('recording an attempt failure', () => {
      const { attributes } = runtime;
      const errorType = boundedErrorType(classified.errorType);
      const { category, severity, retryable } = classified;
      if (countError && !ResilienceError.isInstance(error)) {
        const injected = classified.injected === true;
        telemetry.instruments.errors.add(
          1,
          attributes.get(`e|${category}|${errorType}|${severity}|${retryable}|${injected}`, () => ({
            [ATTR_RESILIENCE_ERROR_CATEGORY]: category,
            [ATTR_ERROR_TYPE]: errorType,
            [ATTR_RESILIENCE_ERROR_SEVERITY]: severity,
            [ATTR_RESILIENCE_ERROR_RETRYABLE]: retryable,
            ...(injected ? { [ATTR_RESILIENCE_CHAOS_INJECTED]: true } : {}),
          })),
        );
      }
      if (scope === undefined) return;
      const kind = attempt.kind;
      const outcome = failureOutcome(classified);
      telemetry.instruments.attemptDuration.record(
        (performance.now() - scope.start) / 1000,
        attributes.get(`a|${kind}|${outcome}|${errorType}`, () => ({
          [ATTR_RESILIENCE_ATTEMPT_KIND]: kind,
          [ATTR_RESILIENCE_OUTCOME]: outcome,
          ...(outcome === 'cancelled' ? {} : { [ATTR_ERROR_TYPE]: errorType }),
        })),
      );
    });
  }
  if (scope !== undefined) {
    recordSpanFailure(scope.span, classified, classified.category !== 'cancelled');
    endSpan(scope.span);
  }
}

/**
 * Records the span of an original attempt that ran without one (see {@link beginAttempt}) once the call is
 * retried: same parent, start and end time as the attempt had, with its failure.
 */
export function recordOriginalAttemptSpan(attempt: AttemptContext, failure: ClassifiedError): void {
  const span = startLateSpan(attempt);
  if (span === undefined) return;
  recordSpanFailure(span, failure, failure.category !== 'cancelled');
  endSpan(span);
}

/**
 * Gives an attempt that runs without a span (an original attempt under `attemptSpans: 'retries'`) its span now,
 * started when the attempt did: hedging calls it when a hedge joins the race, so the trace shows every racer.
 * Spans the function already started stay children of the call span.
 */
export function ensureAttemptSpan(attempt: AttemptContext): void {
  const span = startLateSpan(attempt);
  if (span !== undefined && attempt.scope !== undefined) attempt.scope = { ...attempt.scope, span };
}

/**
 * Starts, with the attempt's real start time, the span of an attempt that ran `fn` without one; undefined when it
 * has one already, did not run, or the call span is not recording.
 */
function startLateSpan(attempt: AttemptContext): Span | undefined {
  const scope = attempt.scope;
  const call = attempt.call;
  if (scope === undefined || scope.span !== undefined || !isRecording(call.callSpan)) return undefined;
  return safelyGet(
    'starting an attempt span',
    () =>
      call.telemetry.tracer.startSpan(
        attemptSpanName(call.runtime.name),
        { kind: SpanKind.INTERNAL, attributes: attemptSpanAttributes(attempt), startTime: scope.start },
        call.otelContext,
      ),
    undefined,
  );
}

/** The span stage events of an attempt belong on: the attempt's own span, else the call span. */
export function attemptEventSpan(attempt: AttemptContext): Span | undefined {
  return attempt.scope?.span ?? attempt.call.callSpan;
}
