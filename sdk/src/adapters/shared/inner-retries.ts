import { diag } from '@opentelemetry/api';
import {
  ATTR_RESILIENCE_FRAMEWORK,
  EVENT_INNER_RETRY,
  type Framework,
  type METRIC_INNER_RETRIES,
} from '../../semconv.js';
import { AttributeCache } from '../../telemetry/attributes.js';
import { addSpanEvent, isRecording } from '../../telemetry/spans.js';
import { currentTelemetry } from '../../telemetry/telemetry.js';
import { safely } from '../../util/safely.js';

/** How to turn each framework's own retries off, for the warning. */
const HOW_TO_TURN_OFF: Readonly<Record<Framework, string>> = {
  ai_sdk: 'pass maxRetries: 0 to generateText/streamText/generateObject (the policy retries)',
  langchain: 'build the chat model with maxRetries: 0 and drop modelRetryMiddleware (the policy retries)',
  openai_agents: 'leave modelSettings.retry unset or maxRetries: 0 (the policy retries)',
};

/**
 * Reports that a framework retried underneath an adapter's policy (retries multiply: 3 × 7 = 21 attempts per call
 * in the worst case): counts every detection in {@link METRIC_INNER_RETRIES} with an {@link EVENT_INNER_RETRY} span
 * event on the active span, and warns once per policy through `diag`, saying how to turn the inner retries off.
 */
export class InnerRetryReporter {
  private warned = false;
  private readonly attributes: AttributeCache;

  constructor(
    private readonly policy: string,
    private readonly framework: Framework,
  ) {
    this.attributes = new AttributeCache(policy);
  }

  /** Call when an adapter sees the framework's own retry (a second call for one logical request, a retry header). */
  report(span?: Parameters<typeof addSpanEvent>[0]): void {
    const attributes = this.attributes.get(`ir|${this.framework}`, () => ({
      [ATTR_RESILIENCE_FRAMEWORK]: this.framework,
    }));
    const telemetry = currentTelemetry();
    if (telemetry.metricsEnabled) {
      safely('recording an inner retry', () => telemetry.instruments.innerRetries.add(1, attributes));
    }
    if (isRecording(span)) addSpanEvent(span, EVENT_INNER_RETRY, attributes);
    if (this.warned) return;
    this.warned = true;
    diag.warn(
      `agent-resilience: "${this.policy}" saw ${this.framework} retrying underneath it, so retries multiply; ${HOW_TO_TURN_OFF[this.framework]}`,
    );
  }
}
