import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_RESILIENCE_BATCH,
  ATTR_RESILIENCE_BATCH_DECISION_REASON,
  ATTR_RESILIENCE_BATCH_ITEM_OUTCOME,
  ATTR_RESILIENCE_ERROR_CATEGORY,
  type BatchDecisionReason,
  type BatchItemOutcome,
  type ErrorCategory,
  METRIC_BATCH_BREAKER_TRIPS,
  METRIC_BATCH_ITEMS,
  METRIC_BATCH_RETRIES,
} from '../semconv.js';
import { currentTelemetry } from '../telemetry/telemetry.js';
import { safely } from '../util/safely.js';

/**
 * Records the batch metrics of the telemetry contract, labelled with the batch NAME (never its id: ids are
 * unbounded, names are reused across runs). Attribute sets are built once and reused; recording never throws.
 */
export class BatchMetrics {
  private readonly base: Attributes;
  private readonly cache = new Map<string, Attributes>();

  constructor(name: string) {
    this.base = Object.freeze({ [ATTR_RESILIENCE_BATCH]: name });
  }

  private attributes(key: string, build: () => Attributes): Attributes {
    let a = this.cache.get(key);
    if (a === undefined) {
      a = Object.freeze({ ...this.base, ...build() });
      this.cache.set(key, a); // bounded: outcomes × categories + reasons
    }
    return a;
  }

  /** One attempt of an item ended: the items counter, by outcome (and category for failures). */
  attempt(outcome: BatchItemOutcome, category: ErrorCategory | undefined): void {
    safely(`recording ${METRIC_BATCH_ITEMS}`, () => {
      const t = currentTelemetry();
      if (!t.metricsEnabled) return;
      const a = this.attributes(`i:${outcome}:${category ?? ''}`, () =>
        category === undefined
          ? { [ATTR_RESILIENCE_BATCH_ITEM_OUTCOME]: outcome }
          : { [ATTR_RESILIENCE_BATCH_ITEM_OUTCOME]: outcome, [ATTR_RESILIENCE_ERROR_CATEGORY]: category },
      );
      t.instruments.batchItems.add(1, a);
    });
  }

  /** A retry decision: the retries counter, by reason (`under_retry_limit` = retried, others = refused). */
  decision(reason: BatchDecisionReason): void {
    safely(`recording ${METRIC_BATCH_RETRIES}`, () => {
      const t = currentTelemetry();
      if (!t.metricsEnabled) return;
      t.instruments.batchRetries.add(
        1,
        this.attributes(`r:${reason}`, () => ({ [ATTR_RESILIENCE_BATCH_DECISION_REASON]: reason })),
      );
    });
  }

  /** The breaker paused the batch: the breaker-trips counter. */
  breakerTrip(): void {
    safely(`recording ${METRIC_BATCH_BREAKER_TRIPS}`, () => {
      const t = currentTelemetry();
      if (t.metricsEnabled) t.instruments.batchBreakerTrips.add(1, this.base);
    });
  }
}
