import type { Attributes, Span } from '@opentelemetry/api';
import { diag, SpanStatusCode } from '@opentelemetry/api';
import type { ClassifiedError } from '../classify/types.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_RESILIENCE_ERROR_CATEGORY,
  ATTR_RESILIENCE_ERROR_RETRYABLE,
} from '../semconv.js';
import { safely } from '../util/safely.js';

/** Whether `span` records; a span whose `isRecording()` throws counts as not recording (reported). */
export function isRecording(span: Span | undefined): span is Span {
  if (span === undefined) return false;
  try {
    return span.isRecording();
  } catch (error) {
    diag.error('agent-resilience: span.isRecording() failed', error);
    return false;
  }
}

/**
 * Marks a span as failed by `classified`: `error.type` and category attributes always; ERROR status and an
 * `exception` event carrying only the redacted message when `isError` (a cancelled call is not an error, and a
 * recovered failure belongs on its attempt span, never on the call span).
 */
export function recordSpanFailure(
  span: Span | undefined,
  classified: ClassifiedError,
  isError: boolean,
): void {
  if (!isRecording(span)) return;
  safely('recording a span failure', () => {
    span.setAttribute(ATTR_RESILIENCE_ERROR_CATEGORY, classified.category);
    span.setAttribute(ATTR_RESILIENCE_ERROR_RETRYABLE, classified.retryable);
    if (!isError) return;
    span.setAttribute(ATTR_ERROR_TYPE, classified.errorType);
    span.setStatus({ code: SpanStatusCode.ERROR, message: classified.message });
    span.recordException({ name: classified.errorType, message: classified.message });
  });
}

/** Adds an event to a recording span; never throws. */
export function addSpanEvent(span: Span | undefined, name: string, attributes: Attributes): void {
  if (!isRecording(span)) return;
  safely(`adding span event ${name}`, () => span.addEvent(name, attributes));
}

/** Ends a span; never throws. */
export function endSpan(span: Span | undefined): void {
  if (span === undefined) return;
  try {
    span.end();
  } catch (error) {
    diag.error('agent-resilience: ending a span failed', error);
  }
}
