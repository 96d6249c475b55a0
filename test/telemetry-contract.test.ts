/**
 * The telemetry contract, written out literally (issue 8 §4): every instrument's name, kind, unit and attribute
 * keys, and the closed values of the attributes alerts and panels match (attempt kind, hedge result, chaos fault,
 * coordination). Nothing here is imported
 * from semconv.ts, so renaming or re-shaping anything the dashboards, alerts and users depend on fails this test
 * until the lists below are changed too: a reviewed change.
 */
import { createNoopMeter, type Meter } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import {
  ATTEMPT_KINDS,
  ATTR_RESILIENCE_ATTEMPT_KIND,
  ATTR_RESILIENCE_CHAOS_FAULT,
  ATTR_RESILIENCE_COORDINATION_OPERATION,
  ATTR_RESILIENCE_COORDINATION_STATE,
  ATTR_RESILIENCE_HEDGE_RESULT,
  CHAOS_FAULTS,
  COORDINATION_OPERATIONS,
  COORDINATION_STATES,
  HEDGE_RESULTS,
  METRICS,
} from '../sdk/src/semconv.js';
import { createInstruments } from '../sdk/src/telemetry/instruments.js';

type Kind = 'counter' | 'histogram' | 'gauge';

const CONTRACT: ReadonlyArray<
  readonly [name: string, kind: Kind, unit: string, attributes: readonly string[]]
> = [
  ['resilience.call.duration', 'histogram', 's', ['resilience.policy', 'resilience.outcome', 'error.type']],
  [
    'resilience.attempt.duration',
    'histogram',
    's',
    ['resilience.policy', 'resilience.attempt.kind', 'resilience.outcome', 'error.type'],
  ],
  [
    'resilience.errors',
    'counter',
    '{error}',
    [
      'resilience.policy',
      'resilience.error.category',
      'error.type',
      'resilience.error.severity',
      'resilience.error.retryable',
      'resilience.chaos.injected',
    ],
  ],
  [
    'resilience.retries',
    'counter',
    '{retry}',
    ['resilience.policy', 'resilience.error.category', 'resilience.retry.delay_source'],
  ],
  ['resilience.retry.delay', 'histogram', 's', ['resilience.policy', 'resilience.retry.delay_source']],
  [
    'resilience.retry.exhausted',
    'counter',
    '{call}',
    ['resilience.policy', 'resilience.retry.reason', 'resilience.error.category'],
  ],
  [
    'resilience.circuit_breaker.state',
    'gauge',
    '{state}',
    ['resilience.policy', 'resilience.circuit_breaker.state'],
  ],
  [
    'resilience.circuit_breaker.transitions',
    'counter',
    '{transition}',
    ['resilience.policy', 'resilience.circuit_breaker.previous_state', 'resilience.circuit_breaker.state'],
  ],
  ['resilience.rejections', 'counter', '{call}', ['resilience.policy', 'resilience.strategy']],
  [
    'resilience.fallbacks',
    'counter',
    '{fallback}',
    ['resilience.policy', 'resilience.fallback.kind', 'resilience.error.category'],
  ],
  ['resilience.timeouts', 'counter', '{timeout}', ['resilience.policy', 'resilience.timeout.kind']],
  ['resilience.retry_budget.available', 'gauge', '{retry}', ['resilience.retry_budget.name']],
  ['resilience.retry_budget.capacity', 'gauge', '{retry}', ['resilience.retry_budget.name']],
  ['resilience.adaptive_retry.max_attempts', 'gauge', '{attempt}', ['resilience.policy']],
  ['resilience.recovery.traffic_ratio', 'gauge', '1', ['resilience.policy']],
  ['resilience.recovery.state', 'gauge', '{state}', ['resilience.policy', 'resilience.recovery.state']],
  ['resilience.recovery.admissions', 'counter', '{call}', ['resilience.policy', 'resilience.admission']],
  ['resilience.health_checks', 'counter', '{check}', ['resilience.policy', 'resilience.health_check.result']],
  ['resilience.feature.enabled', 'gauge', '{feature}', ['resilience.feature.name']],
  ['resilience.error_patterns', 'counter', '{pattern}', ['resilience.policy', 'resilience.error.category']],
  [
    'resilience.batch.retries',
    'counter',
    '{retry}',
    ['resilience.batch.name', 'resilience.batch.decision.reason'],
  ],
  [
    'resilience.batch.items',
    'counter',
    '{item}',
    ['resilience.batch.name', 'resilience.batch.item.outcome', 'resilience.error.category'],
  ],
  ['resilience.batch.breaker_trips', 'counter', '{trip}', ['resilience.batch.name']],
  [
    'gen_ai.client.operation.duration',
    'histogram',
    's',
    ['gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.request.model', 'error.type'],
  ],
  ['gen_ai.invoke_agent.duration', 'histogram', 's', ['gen_ai.agent.name', 'error.type']],
  ['gen_ai.execute_tool.duration', 'histogram', 's', ['gen_ai.tool.name', 'gen_ai.agent.name', 'error.type']],
  [
    'gen_ai.client.inference.time_to_first_chunk',
    'histogram',
    's',
    ['resilience.policy', 'gen_ai.provider.name', 'gen_ai.request.model'],
  ],
  ['resilience.stream.stalls', 'counter', '{stall}', ['resilience.policy', 'resilience.stream.committed']],
  [
    'resilience.stream.broken',
    'counter',
    '{stream}',
    ['resilience.policy', 'resilience.stream.committed', 'resilience.error.category'],
  ],
  [
    'resilience.tokens',
    'counter',
    '{token}',
    ['resilience.policy', 'resilience.token.kind', 'gen_ai.token.type'],
  ],
  ['resilience.inner_retries', 'counter', '{call}', ['resilience.policy', 'resilience.framework']],
  ['resilience.hedges', 'counter', '{hedge}', ['resilience.policy', 'resilience.hedge.result']],
  ['resilience.hedge.saved', 'histogram', 's', ['resilience.policy']],
  ['resilience.chaos.injections', 'counter', '{injection}', ['resilience.policy', 'resilience.chaos.fault']],
  [
    'gen_ai.client.inference.duration',
    'histogram',
    's',
    ['gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.request.model', 'error.type'],
  ],
  [
    'gen_ai.client.inference.usage.input_tokens',
    'counter',
    '{token}',
    ['gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.request.model'],
  ],
  [
    'gen_ai.client.inference.usage.output_tokens',
    'counter',
    '{token}',
    ['gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.request.model'],
  ],
  [
    'resilience.coordination.errors',
    'counter',
    '{error}',
    ['resilience.coordinator.name', 'resilience.coordination.operation'],
  ],
  [
    'resilience.coordination.state',
    'gauge',
    '{state}',
    ['resilience.coordinator.name', 'resilience.coordination.state'],
  ],
];

/**
 * Closed value sets of attributes that alert rules and dashboards match literally: ResilienceCoordinationDegraded
 * selects `resilience_coordination_state="degraded"`, the overview's coordination panels map both states and
 * list errors by operation (dashboards/RUNBOOK.md names the operations).
 */
const CLOSED_VALUES: ReadonlyArray<readonly [attribute: string, values: readonly string[]]> = [
  ['resilience.attempt.kind', ['original', 'retry', 'hedge']],
  ['resilience.hedge.result', ['won', 'lost', 'denied']],
  [
    'resilience.chaos.fault',
    [
      'rate_limited',
      'overloaded',
      'server_error',
      'timeout',
      'network',
      'quota_exceeded',
      'context_length_exceeded',
      'content_filtered',
      'latency',
      'stream_stall',
      'stream_drop',
      'stream_error',
    ],
  ],
  ['resilience.coordination.state', ['connected', 'degraded']],
  [
    'resilience.coordination.operation',
    [
      'connect',
      'subscribe',
      'rate_limiter_acquire',
      'rate_limiter_release',
      'circuit_breaker_read',
      'circuit_breaker_publish',
      'circuit_breaker_probe',
      'retry_budget_sync',
      'invalid_value',
    ],
  ],
];

describe('the telemetry contract (literal snapshot)', () => {
  it('semconv.ts declares exactly these instruments: name, kind, unit and attribute keys', () => {
    const declared = Object.values(METRICS).map(d => [d.name, d.kind, d.unit, [...d.attributes]]);
    expect(declared).toEqual(
      CONTRACT.map(([name, kind, unit, attributes]) => [name, kind, unit, [...attributes]]),
    );
  });

  it('the SDK creates exactly these instruments on a meter, with these kinds and units', () => {
    const created: Array<[string, Kind, string | undefined]> = [];
    const noop = createNoopMeter();
    const meter: Meter = {
      ...noop,
      createCounter: (name, options) => {
        created.push([name, 'counter', options?.unit]);
        return noop.createCounter(name, options);
      },
      createHistogram: (name, options) => {
        created.push([name, 'histogram', options?.unit]);
        return noop.createHistogram(name, options);
      },
      createObservableGauge: (name, options) => {
        created.push([name, 'gauge', options?.unit]);
        return noop.createObservableGauge(name, options);
      },
    };
    createInstruments(meter);
    expect(created).toEqual(CONTRACT.map(([name, kind, unit]) => [name, kind, unit]));
  });

  it('semconv.ts declares exactly these closed values for the attributes alerts and panels match', () => {
    const declared = [
      [ATTR_RESILIENCE_ATTEMPT_KIND, [...ATTEMPT_KINDS]],
      [ATTR_RESILIENCE_HEDGE_RESULT, [...HEDGE_RESULTS]],
      [ATTR_RESILIENCE_CHAOS_FAULT, [...CHAOS_FAULTS]],
      [ATTR_RESILIENCE_COORDINATION_STATE, [...COORDINATION_STATES]],
      [ATTR_RESILIENCE_COORDINATION_OPERATION, [...COORDINATION_OPERATIONS]],
    ];
    expect(declared).toEqual(CLOSED_VALUES.map(([attribute, values]) => [attribute, [...values]]));
  });
});
