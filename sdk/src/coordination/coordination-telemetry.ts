import { type Attributes, diag } from '@opentelemetry/api';
import { registerGauges } from '../load/internal.js';
import {
  ATTR_RESILIENCE_COORDINATION_OPERATION,
  ATTR_RESILIENCE_COORDINATION_STATE,
  ATTR_RESILIENCE_COORDINATOR,
  COORDINATION_STATES,
  type CoordinationOperation,
  type CoordinationState,
  EVENT_COORDINATION_STATE_CHANGE,
  type METRICS,
} from '../semconv.js';
import { currentTelemetry } from '../telemetry/telemetry.js';
import { safely } from '../util/safely.js';

/** Least time between two `diag` warnings of one coordinator (a Redis outage must not flood the logs). */
const WARN_EVERY_MS = 10_000;

/**
 * A coordinator's telemetry: {@link METRICS}.coordinationErrors per failed operation, the one-hot
 * {@link METRICS}.coordinationState gauge, and a rate-limited `diag` warning that names what failed (never a
 * value read from Redis).
 */
export class CoordinationTelemetry {
  private readonly base: Attributes;
  private readonly byOperation = new Map<CoordinationOperation, Attributes>();
  private readonly gauge: { dispose(): void };
  private lastWarning = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly name: string,
    state: () => CoordinationState,
  ) {
    this.base = Object.freeze({ [ATTR_RESILIENCE_COORDINATOR]: name });
    const perState = COORDINATION_STATES.map(
      value => [value, Object.freeze({ ...this.base, [ATTR_RESILIENCE_COORDINATION_STATE]: value })] as const,
    );
    this.gauge = registerGauges({
      observers: {
        coordinationState: report => {
          const current = state();
          for (const [value, attributes] of perState) report(value === current ? 1 : 0, attributes);
        },
      },
    });
  }

  /** Counts an operation the store failed (or answered with a value not trusted) and warns now and then. */
  failed(operation: CoordinationOperation, problem: unknown): void {
    const telemetry = currentTelemetry();
    if (telemetry.metricsEnabled) {
      safely('recording a coordination error', () => {
        let attributes = this.byOperation.get(operation);
        if (attributes === undefined) {
          attributes = Object.freeze({ ...this.base, [ATTR_RESILIENCE_COORDINATION_OPERATION]: operation });
          this.byOperation.set(operation, attributes);
        }
        telemetry.instruments.coordinationErrors.add(1, attributes);
      });
    }
    const now = performance.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    diag.warn(
      `agent-resilience: coordinator "${this.name}" ${operation} failed (${describe(problem)}); using local state`,
    );
  }

  /** The coordinator changed state: a `diag` message and the {@link EVENT_COORDINATION_STATE_CHANGE} name. */
  changed(to: CoordinationState): void {
    const message = `agent-resilience: coordinator "${this.name}" ${EVENT_COORDINATION_STATE_CHANGE} → ${to}`;
    if (to === 'degraded') diag.warn(message);
    else diag.info(message);
  }

  dispose(): void {
    this.gauge.dispose();
  }
}

/** A short, secret-free description of a failure: its class and code, never its message (it may hold a URL). */
function describe(problem: unknown): string {
  if (typeof problem === 'string') return problem;
  const error = problem as { name?: unknown; code?: unknown } | null;
  const name = typeof error?.name === 'string' ? error.name : 'Error';
  return typeof error?.code === 'string' ? `${name} ${error.code}` : name;
}
