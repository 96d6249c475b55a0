import { type Meter, type MeterProvider, metrics } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ATTR_RESILIENCE_BATCH,
  ATTR_RESILIENCE_BATCH_DECISION_REASON,
  ATTR_RESILIENCE_BATCH_ITEM_OUTCOME,
  ATTR_RESILIENCE_ERROR_CATEGORY,
  METRIC_BATCH_BREAKER_TRIPS,
  METRIC_BATCH_ITEMS,
  METRIC_BATCH_RETRIES,
  METRICS,
} from '../semconv.js';
import { httpError } from '../test-support/errors.js';
import { TestTelemetry } from '../test-support/otel.js';
import { createBatchRetryManager } from './manager.js';
import { createMemoryBatchStore } from './memory-store.js';

const open = () =>
  createBatchRetryManager({
    name: 'nightly-docs',
    batchId: 'run-2024-06-01-7f3a',
    store: createMemoryBatchStore(),
    backoff: false,
    maxRetriesPerItem: 1,
    breaker: { consecutiveFailures: 3 },
  });

describe('batch metrics', () => {
  let otel: TestTelemetry;
  beforeEach(() => {
    otel = new TestTelemetry().install();
  });
  afterEach(async () => {
    await otel.uninstall();
  });

  it('counts attempts by outcome and category, decisions by reason and breaker trips, by batch name only', async () => {
    const batch = await open();
    await batch.recordSuccess('a');
    await batch.recordFailure('b', httpError(503)); // under_retry_limit
    await batch.recordFailure('b', httpError(503)); // max_retries_reached
    await batch.recordFailure('c', httpError(400)); // permanent (validation: does not count for the breaker)
    await batch.recordFailure('d', httpError(503)); // third server_error in a row: trips
    await batch.close();

    const name = { [ATTR_RESILIENCE_BATCH]: 'nightly-docs' };
    const items = await otel.points(METRIC_BATCH_ITEMS);
    expect(items.map(p => [p.attributes, p.value])).toEqual(
      expect.arrayContaining([
        [{ ...name, [ATTR_RESILIENCE_BATCH_ITEM_OUTCOME]: 'succeeded' }, 1],
        [
          {
            ...name,
            [ATTR_RESILIENCE_BATCH_ITEM_OUTCOME]: 'failed_transient',
            [ATTR_RESILIENCE_ERROR_CATEGORY]: 'server_error',
          },
          3,
        ],
        [
          {
            ...name,
            [ATTR_RESILIENCE_BATCH_ITEM_OUTCOME]: 'failed_permanent',
            [ATTR_RESILIENCE_ERROR_CATEGORY]: 'validation',
          },
          1,
        ],
      ]),
    );
    expect(items).toHaveLength(3);

    const reason = (r: string) => ({ ...name, [ATTR_RESILIENCE_BATCH_DECISION_REASON]: r });
    expect(await otel.total(METRIC_BATCH_RETRIES, reason('under_retry_limit'))).toBe(1);
    expect(await otel.total(METRIC_BATCH_RETRIES, reason('max_retries_reached'))).toBe(1);
    expect(await otel.total(METRIC_BATCH_RETRIES, reason('permanent_failure'))).toBe(1);
    expect(await otel.total(METRIC_BATCH_RETRIES, reason('circuit_breaker_open'))).toBe(1);
    expect(await otel.points(METRIC_BATCH_BREAKER_TRIPS)).toEqual([{ attributes: name, value: 1 }]);

    // The batch id (unbounded) never becomes a label.
    const all = [...(await otel.metrics()).values()].flatMap(m =>
      m.dataPoints.map(p => JSON.stringify(p.attributes)),
    );
    expect(all.join()).not.toContain('run-2024-06-01-7f3a');
  });

  it('creates the instruments the contract describes', async () => {
    const batch = await open();
    await batch.recordFailure('x', httpError(503));
    await batch.recordFailure('y', httpError(503));
    await batch.recordFailure('z', httpError(503));
    const byName = await otel.metrics();
    for (const key of ['batchItems', 'batchRetries', 'batchBreakerTrips'] as const) {
      const d = METRICS[key];
      expect(byName.get(d.name)?.descriptor).toMatchObject({
        name: d.name,
        unit: d.unit,
        description: d.description,
      });
      for (const point of byName.get(d.name)!.dataPoints) {
        for (const attribute of Object.keys(point.attributes)) expect(d.attributes).toContain(attribute);
      }
    }
  });
});

describe('batch metrics that fail', () => {
  afterEach(() => metrics.disable());

  it('never change a decision or its durability', async () => {
    const throwing = {
      add: () => {
        throw new Error('exporter exploded');
      },
    };
    const meter = new Proxy(
      {},
      {
        get: (_, prop) => (prop === 'createObservableGauge' ? () => ({ addCallback() {} }) : () => throwing),
      },
    ) as Meter;
    metrics.setGlobalMeterProvider({ getMeter: () => meter } as MeterProvider);
    const batch = await open();
    const d = await batch.recordFailure('a', httpError(503));
    expect([d.retry, d.reason]).toEqual([true, 'under_retry_limit']);
    await batch.recordSuccess('a');
    expect(batch.item('a')?.status).toBe('succeeded');
  });
});
