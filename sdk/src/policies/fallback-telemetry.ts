import type { ClassifiedError } from '../classify/types.js';
import type { CallContext } from '../core/call-context.js';
import {
  ATTR_RESILIENCE_ERROR_CATEGORY,
  ATTR_RESILIENCE_FALLBACK_KIND,
  EVENT_FALLBACK,
  type FallbackKind,
  METRIC_FALLBACKS,
} from '../semconv.js';
import { addSpanEvent } from '../telemetry/spans.js';
import { safely } from '../util/safely.js';

/**
 * Records that a fallback served a call: marks the call's outcome `fallback`, counts {@link METRIC_FALLBACKS} and
 * adds an {@link EVENT_FALLBACK} span event.
 */
export function recordFallback(call: CallContext, kind: FallbackKind, classified: ClassifiedError): void {
  call.fallbackKind = kind;
  const attributes = call.runtime.attributes.get(`f|${kind}|${classified.category}`, () => ({
    [ATTR_RESILIENCE_FALLBACK_KIND]: kind,
    [ATTR_RESILIENCE_ERROR_CATEGORY]: classified.category,
  }));
  if (call.telemetry.metricsEnabled) {
    safely('recording a fallback', () => call.telemetry.instruments.fallbacks.add(1, attributes));
  }
  addSpanEvent(call.callSpan, EVENT_FALLBACK, attributes);
}
