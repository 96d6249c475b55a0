import type { Attributes, Context, Span } from '@opentelemetry/api';
import { context, diag, SpanKind, trace } from '@opentelemetry/api';
import type { ClassifiedError } from '../classify/types.js';
import { ResilienceTimeoutError } from '../errors/signals.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_RESILIENCE_ATTEMPT_KIND,
  ATTR_RESILIENCE_ATTEMPT_NUMBER,
  ATTR_RESILIENCE_ERROR_CATEGORY,
  ATTR_RESILIENCE_ERROR_RETRYABLE,
  ATTR_RESILIENCE_ERROR_SEVERITY,
  ATTR_RESILIENCE_OUTCOME,
  attemptSpanName,
  METRIC_ERRORS,
  type Outcome,
} from '../semconv.js';
import { endSpan, recordSpanFailure } from '../telemetry/spans.js';
import { safely } from '../util/safely.js';
import type { CallContext, Next } from './call-context.js';

const ABORTED = new DOMException('The operation was aborted', 'AbortError');

/**
 * Classifies an attempt's failure, trusting the signals over whatever the function threw: an attempt whose
 * signal our timeout aborted failed with a timeout; one whose caller aborted was cancelled, even if the client
 * surfaced a different error (cockatiel #101 confuses the two).
 */
export function classifyFailure(ctx: CallContext, error: unknown): ClassifiedError {
  const { classify } = ctx.runtime;
  const signal = ctx.attemptSignal;
  if (signal.aborted && ResilienceTimeoutError.isInstance(signal.reason) && !ctx.callerSignal.aborted) {
    return classify(signal.reason);
  }
  if (ctx.callerSignal.aborted) return classifyCancellation(ctx, error);
  return classify(error);
}

/** Classifies the caller's abort as `cancelled`, whatever shape the abort reason or the client's error has. */
export function classifyCancellation(ctx: CallContext, error: unknown): ClassifiedError {
  const classified = ctx.runtime.classify(error);
  if (classified.category === 'cancelled') return classified;
  return { ...ctx.runtime.classify(ABORTED), cause: ctx.callerSignal.reason ?? error };
}

/** The {@link ATTR_RESILIENCE_OUTCOME} of a failure. */
export function failureOutcome(classified: ClassifiedError): Outcome {
  if (classified.category === 'cancelled') return 'cancelled';
  if (classified.category === 'rejected' || classified.category === 'circuit_open') return 'rejected';
  return 'failure';
}

function recordAttemptFailure(ctx: CallContext, classified: ClassifiedError, start: number): void {
  const { attributes } = ctx.runtime;
  const { instruments } = ctx.telemetry;
  const kind = ctx.attempt === 0 ? 'original' : 'retry';
  const outcome = failureOutcome(classified);
  instruments.errors.add(
    1,
    attributes.get(
      `e|${classified.category}|${classified.errorType}|${classified.severity}|${classified.retryable}`,
      () => ({
        [ATTR_RESILIENCE_ERROR_CATEGORY]: classified.category,
        [ATTR_ERROR_TYPE]: classified.errorType,
        [ATTR_RESILIENCE_ERROR_SEVERITY]: classified.severity,
        [ATTR_RESILIENCE_ERROR_RETRYABLE]: classified.retryable,
      }),
    ),
  );
  instruments.attemptDuration.record(
    (performance.now() - start) / 1000,
    attributes.get(`a|${kind}|${outcome}|${classified.errorType}`, () => ({
      [ATTR_RESILIENCE_ATTEMPT_KIND]: kind,
      [ATTR_RESILIENCE_OUTCOME]: outcome,
      ...(outcome === 'cancelled' ? {} : { [ATTR_ERROR_TYPE]: classified.errorType }),
    })),
  );
}

function attemptSpanAttributes(ctx: CallContext): Attributes {
  if (ctx.attempt === 0) return ctx.runtime.hot.originalAttemptSpan;
  return {
    ...ctx.runtime.attributes.base,
    [ATTR_RESILIENCE_ATTEMPT_NUMBER]: ctx.attempt,
    [ATTR_RESILIENCE_ATTEMPT_KIND]: ctx.attempt === 0 ? 'original' : 'retry',
  };
}

/** Telemetry of one running attempt. */
export interface AttemptScope {
  /** `performance.now()` at the start. */
  readonly start: number;
  /** The attempt's span, when the call span is recording. */
  readonly span: Span | undefined;
  /** OTel context holding the attempt span, to run the attempt in. */
  readonly context: Context | undefined;
}

/**
 * Starts an attempt's telemetry: the clock for the attempt-duration histogram and, when the call span is
 * recording, a child span. With `attemptSpans: 'retries'` (the default) the original attempt gets no span up
 * front: a call that needs one attempt is fully described by its call span, and if it is retried the original
 * attempt's span is recorded afterwards ({@link recordOriginalAttemptSpan}), with its real start and end.
 * Returns undefined when nothing observes the call (no SDK).
 */
export function beginAttempt(ctx: CallContext): AttemptScope | undefined {
  const { telemetry } = ctx;
  try {
    const recording = ctx.callSpan?.isRecording() === true;
    if (!telemetry.metricsEnabled && !recording) return undefined;
    let span: Span | undefined;
    if (recording && (ctx.attempt > 0 || ctx.runtime.attemptSpans === 'always')) {
      span = telemetry.tracer.startSpan(
        attemptSpanName(ctx.runtime.name),
        { kind: SpanKind.INTERNAL, attributes: attemptSpanAttributes(ctx) },
        ctx.otelContext,
      );
    }
    ctx.attemptSpan = span;
    return {
      start: performance.now(),
      span,
      context: span === undefined ? undefined : trace.setSpan(ctx.otelContext, span),
    };
  } catch (error) {
    diag.error('agent-resilience: starting attempt telemetry failed', error);
    return undefined;
  }
}

/**
 * Ends an attempt's telemetry: the attempt-duration histogram, and on failure the {@link METRIC_ERRORS} counter
 * and the span's error status (a cancellation is not an error).
 */
export function endAttempt(
  ctx: CallContext,
  scope: AttemptScope,
  failure: ClassifiedError | undefined,
): void {
  const { telemetry } = ctx;
  if (telemetry.metricsEnabled) {
    if (failure === undefined) {
      try {
        telemetry.instruments.attemptDuration.record(
          (performance.now() - scope.start) / 1000,
          ctx.runtime.hot.attemptSuccess[ctx.attempt === 0 ? 0 : 1],
        );
      } catch (error) {
        diag.error('agent-resilience: recording an attempt failed', error);
      }
    } else {
      safely('recording an attempt failure', () => recordAttemptFailure(ctx, failure, scope.start));
    }
  }
  if (failure !== undefined) recordSpanFailure(scope.span, failure, failure.category !== 'cancelled');
  endSpan(scope.span);
  ctx.attemptSpan = undefined;
}

/**
 * Records the span of an original attempt that ran without one (see {@link beginAttempt}) once the call is
 * retried: same parent, start and end time as the attempt had, with its failure.
 */
export function recordOriginalAttemptSpan(
  ctx: CallContext,
  scope: AttemptScope,
  failure: ClassifiedError,
): void {
  if (scope.span !== undefined || ctx.callSpan?.isRecording() !== true) return;
  safely('recording an attempt span', () => {
    const span = ctx.telemetry.tracer.startSpan(
      attemptSpanName(ctx.runtime.name),
      { kind: SpanKind.INTERNAL, attributes: ctx.runtime.hot.originalAttemptSpan, startTime: scope.start },
      ctx.otelContext,
    );
    recordSpanFailure(span, failure, failure.category !== 'cancelled');
    span.end();
  });
}

/** Runs the rest of the pipeline for the current attempt, inside the attempt span's context when there is one. */
export function runInAttempt(
  ctx: CallContext,
  scope: AttemptScope | undefined,
  next: Next,
): Promise<unknown> {
  return scope?.context === undefined ? next(ctx) : context.with(scope.context, next, undefined, ctx);
}
