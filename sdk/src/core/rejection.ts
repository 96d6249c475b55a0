import { type Attributes, trace } from '@opentelemetry/api';
import { ATTR_RESILIENCE_STRATEGY, EVENT_REJECTION, METRIC_REJECTIONS, type Strategy } from '../semconv.js';
import type { AttributeCache } from '../telemetry/attributes.js';
import { addSpanEvent } from '../telemetry/spans.js';
import { currentTelemetry } from '../telemetry/telemetry.js';
import { safely } from '../util/safely.js';
import type { CallContext } from './call-context.js';

/**
 * Records a refusal by `strategy`: {@link METRIC_REJECTIONS} and an {@link EVENT_REJECTION} span event on the
 * call span or, outside a pipeline, the active span. A refused attempt never ran `fn`, so it has no span of its
 * own. Inside a pipeline the policy's attributes are used; standalone, `own` (the strategy's own name).
 */
export function recordRejection(
  call: CallContext | undefined,
  own: AttributeCache,
  strategy: Strategy,
  extra?: Attributes,
): void {
  const attributes = (call?.runtime.attributes ?? own).get(`rej|${strategy}`, () => ({
    [ATTR_RESILIENCE_STRATEGY]: strategy,
  }));
  const telemetry = call?.telemetry ?? currentTelemetry();
  if (telemetry.metricsEnabled) {
    safely(`recording a ${strategy} rejection`, () => telemetry.instruments.rejections.add(1, attributes));
  }
  const span = call === undefined ? trace.getActiveSpan() : call.callSpan;
  addSpanEvent(span, EVENT_REJECTION, extra === undefined ? attributes : { ...attributes, ...extra });
}
