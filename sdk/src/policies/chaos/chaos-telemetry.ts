import { type Span, trace } from '@opentelemetry/api';
import type { PolicyRuntime } from '../../core/call-context.js';
import { ATTR_RESILIENCE_CHAOS_FAULT, type ChaosFault, EVENT_CHAOS_INJECTION } from '../../semconv.js';
import { addSpanEvent, isRecording } from '../../telemetry/spans.js';
import { currentTelemetry } from '../../telemetry/telemetry.js';
import { safely } from '../../util/safely.js';

/** What chaos needs of the policy it runs in: its name (scope) and its attribute cache (telemetry). */
export type ChaosPolicyRuntime = Pick<PolicyRuntime, 'name' | 'attributes'>;

/**
 * Records one injected fault: {@link METRIC_CHAOS_INJECTIONS} += 1 (by policy and fault) and an
 * {@link EVENT_CHAOS_INJECTION} on `span` (the attempt's, captured when the attempt started) or, when that
 * span has ended (a stream fault striking after the commit), on the active span. Never throws.
 */
export function recordInjection(
  runtime: ChaosPolicyRuntime,
  fault: ChaosFault,
  span: Span | undefined,
): void {
  const attributes = runtime.attributes.get(`chaos|${fault}`, () => ({
    [ATTR_RESILIENCE_CHAOS_FAULT]: fault,
  }));
  const telemetry = currentTelemetry();
  if (telemetry.metricsEnabled) {
    safely('recording a chaos injection', () => telemetry.instruments.chaosInjections.add(1, attributes));
  }
  addSpanEvent(isRecording(span) ? span : trace.getActiveSpan(), EVENT_CHAOS_INJECTION, attributes);
}
