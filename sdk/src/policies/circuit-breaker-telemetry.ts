import type { Span } from '@opentelemetry/api';
import {
  ATTR_RESILIENCE_CIRCUIT_BREAKER_PREVIOUS_STATE,
  ATTR_RESILIENCE_CIRCUIT_BREAKER_STATE,
  CIRCUIT_STATES,
  type CircuitStateName,
  EVENT_CIRCUIT_BREAKER_TRANSITION,
  type METRICS,
} from '../semconv.js';
import { AttributeCache } from '../telemetry/attributes.js';
import { type GaugeSource, registerGaugeSource } from '../telemetry/gauge-sources.js';
import { addSpanEvent } from '../telemetry/spans.js';
import { currentTelemetry } from '../telemetry/telemetry.js';
import { safely } from '../util/safely.js';

/**
 * The telemetry of one circuit breaker: the one-hot {@link METRICS}.circuitBreakerState gauge, the transitions
 * counter and the transition span event. The gauge source is held here (the gauge registry holds it weakly).
 */
export class BreakerTelemetry {
  /** The attribute sets of this breaker (its `base` names the breaker as the policy). */
  readonly attributes: AttributeCache;
  private readonly source: GaugeSource;
  private readonly gauge: { dispose(): void };

  constructor(name: string, state: () => CircuitStateName) {
    this.attributes = new AttributeCache(name);
    this.source = {
      observers: {
        circuitBreakerState: report => {
          const current = state();
          for (const s of CIRCUIT_STATES) {
            report(
              s === current ? 1 : 0,
              this.attributes.get(`s|${s}`, () => ({ [ATTR_RESILIENCE_CIRCUIT_BREAKER_STATE]: s })),
            );
          }
        },
      },
    };
    this.gauge = registerGaugeSource(this.source);
    // The closed → open series starts at 0, so `increase()` in alerts sees the first opening too.
    this.countTransition('closed', 'open', 0);
  }

  /** Counts a transition in {@link METRICS}.circuitBreakerTransitions. */
  transition(from: CircuitStateName, to: CircuitStateName): void {
    this.countTransition(from, to, 1);
  }

  private countTransition(from: CircuitStateName, to: CircuitStateName, value: number): void {
    const telemetry = currentTelemetry();
    if (!telemetry.metricsEnabled) return;
    safely('recording a breaker transition', () =>
      telemetry.instruments.circuitBreakerTransitions.add(
        value,
        this.attributes.get(`tr|${from}|${to}`, () => ({
          [ATTR_RESILIENCE_CIRCUIT_BREAKER_PREVIOUS_STATE]: from,
          [ATTR_RESILIENCE_CIRCUIT_BREAKER_STATE]: to,
        })),
      ),
    );
  }

  /** Adds a transition event to the span of the call that caused it, when the state moved. */
  annotate(span: Span | undefined, before: CircuitStateName, after: CircuitStateName): void {
    if (after === before || span === undefined) return;
    addSpanEvent(span, EVENT_CIRCUIT_BREAKER_TRANSITION, {
      ...this.attributes.base,
      [ATTR_RESILIENCE_CIRCUIT_BREAKER_PREVIOUS_STATE]: before,
      [ATTR_RESILIENCE_CIRCUIT_BREAKER_STATE]: after,
    });
  }

  /** Stops reporting the gauge. */
  dispose(): void {
    this.gauge.dispose();
  }
}
