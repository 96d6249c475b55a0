import { type Span, trace } from '@opentelemetry/api';
import {
  ADMISSIONS,
  ATTR_RESILIENCE_ADMISSION,
  ATTR_RESILIENCE_HEALTH_CHECK_RESULT,
  ATTR_RESILIENCE_POLICY,
  ATTR_RESILIENCE_RECOVERY_PREVIOUS_STATE,
  ATTR_RESILIENCE_RECOVERY_STATE,
  ATTR_RESILIENCE_RECOVERY_TRIGGER,
  EVENT_RECOVERY_STATE_CHANGE,
  METRIC_HEALTH_CHECKS,
  METRIC_RECOVERY_ADMISSIONS,
  METRIC_RECOVERY_STATE,
  METRIC_RECOVERY_TRAFFIC_RATIO,
  RECOVERY_STATES,
  type RecoveryState,
  type RecoveryTrigger,
} from '../semconv.js';
import { AttributeCache } from '../telemetry/attributes.js';
import { addSpanEvent } from '../telemetry/spans.js';
import { currentTelemetry, type Telemetry } from '../telemetry/telemetry.js';
import { safely } from '../util/safely.js';
import { registerGauges } from './internal.js';

/**
 * The telemetry of one recovery manager, all under the manager's name as {@link ATTR_RESILIENCE_POLICY}:
 * the {@link METRIC_RECOVERY_TRAFFIC_RATIO} and one-hot {@link METRIC_RECOVERY_STATE} gauges (read at collection
 * time), the {@link METRIC_RECOVERY_ADMISSIONS} and {@link METRIC_HEALTH_CHECKS} counters, and an
 * {@link EVENT_RECOVERY_STATE_CHANGE} span event.
 */
export class RecoveryTelemetry {
  readonly attributes: AttributeCache;
  private readonly admissionAttributes: Record<'admitted' | 'shed', ReturnType<AttributeCache['get']>>;
  private readonly gauge: { dispose(): void };

  constructor(name: string, read: () => { readonly state: RecoveryState; readonly ratio: number }) {
    const attributes = new AttributeCache(name);
    this.attributes = attributes;
    const [admitted, shed] = ADMISSIONS.map(a =>
      attributes.get(`adm|${a}`, () => ({ [ATTR_RESILIENCE_ADMISSION]: a })),
    );
    this.admissionAttributes = { admitted: admitted!, shed: shed! };
    this.gauge = registerGauges({
      observers: {
        recoveryTrafficRatio: report => report(read().ratio, attributes.base),
        recoveryState: report => {
          const { state } = read();
          for (const s of RECOVERY_STATES) {
            report(
              s === state ? 1 : 0,
              attributes.get(`st|${s}`, () => ({ [ATTR_RESILIENCE_RECOVERY_STATE]: s })),
            );
          }
        },
      },
    });
  }

  admission(admitted: boolean, telemetry: Telemetry = currentTelemetry()): void {
    if (!telemetry.metricsEnabled) return;
    const attributes = this.admissionAttributes[admitted ? 'admitted' : 'shed'];
    safely('recording a recovery admission', () =>
      telemetry.instruments.recoveryAdmissions.add(1, attributes),
    );
  }

  healthCheck(healthy: boolean): void {
    const telemetry = currentTelemetry();
    if (!telemetry.metricsEnabled) return;
    const result = healthy ? 'pass' : 'fail';
    const attributes = this.attributes.get(`hc|${result}`, () => ({
      [ATTR_RESILIENCE_HEALTH_CHECK_RESULT]: result,
    }));
    safely('recording a health check', () => telemetry.instruments.healthChecks.add(1, attributes));
  }

  /** Adds the state-change event to `span`, or to the active span (a breaker transition inside an attempt). */
  stateChange(
    span: Span | undefined,
    from: RecoveryState,
    to: RecoveryState,
    trigger: RecoveryTrigger,
  ): void {
    addSpanEvent(span ?? trace.getActiveSpan(), EVENT_RECOVERY_STATE_CHANGE, {
      ...this.attributes.base,
      [ATTR_RESILIENCE_RECOVERY_PREVIOUS_STATE]: from,
      [ATTR_RESILIENCE_RECOVERY_STATE]: to,
      [ATTR_RESILIENCE_RECOVERY_TRIGGER]: trigger,
    });
  }

  dispose(): void {
    this.gauge.dispose();
  }
}
