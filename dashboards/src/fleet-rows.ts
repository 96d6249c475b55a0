/**
 * The fleet rows of the overview (issue 10): the overview's traffic, failures and breakers per replica
 * (`service_instance_id`, picked with `$replica`), and how the replicas share their state through Redis
 * (agent-resilience/redis): coordination state per coordinator and replica, failed store operations.
 */
import type { Row } from './lib/dashboard.js';
import { stat, stateTimeline, timeseries } from './lib/panels.js';
import {
  FAILED,
  maxBy,
  NOT_CANCELLED,
  oneHotStateIndex,
  orZero,
  REPLICA,
  rate,
  SERVICE,
  SERVICE_POLICY,
  selector,
  share,
  sumBy,
} from './lib/query.js';
import { BREAKER_STATE, CALLS, COORDINATION_ERRORS, COORDINATION_STATE } from './lib/series.js';
import {
  BREAKER_STATE_MAPPINGS,
  BREAKER_STATES,
  COORDINATION_STATE_MAPPINGS,
  COORDINATION_STATES,
} from './lib/states.js';

const REPLICA_LABEL = 'service_instance_id';
const COORDINATOR = 'resilience_coordinator_name';
const OPERATION = 'resilience_coordination_operation';
const COORDINATION_STATE_LABEL = 'resilience_coordination_state';

const CALLS_COUNTED = [...SERVICE_POLICY, REPLICA, NOT_CANCELLED];
const COORDINATION = [SERVICE, REPLICA];
/** One coordinator of one replica. */
const BY_COORDINATOR_REPLICA = ['service_name', REPLICA_LABEL, COORDINATOR];
const REPLICA_LEGEND = '{{service_instance_id}}';

export const fleetRows = (): Row[] => [
  {
    title: 'Replicas',
    panels: [
      timeseries({
        title: 'Calls / s by replica',
        description:
          'Logical calls per second each replica ran through the selected policies (cancelled calls excluded). Behind a round-robin the lines stay close together.',
        unit: 'reqps',
        span: 12,
        targets: [{ expr: sumBy([REPLICA_LABEL], rate(CALLS, CALLS_COUNTED)), legend: REPLICA_LEGEND }],
      }),
      timeseries({
        title: 'Failure ratio by replica',
        description:
          'Share of the calls of each replica that finally failed or were rejected (fallbacks count as successes). One replica far above the others points at that replica, not at the downstream.',
        unit: 'percentunit',
        span: 12,
        min: 0,
        targets: [
          {
            expr: share({ metric: CALLS, matchers: CALLS_COUNTED, part: [FAILED], by: [REPLICA_LABEL] }),
            legend: REPLICA_LEGEND,
          },
        ],
      }),
      stateTimeline({
        title: 'Breaker state by replica',
        description:
          'State of each circuit breaker on each replica. With a shared breaker (createCircuitBreaker with shared: a Redis coordinator) the replicas open and close together; while coordination is degraded each replica trips on its own.',
        unit: 'none',
        span: 24,
        height: 9,
        states: BREAKER_STATE_MAPPINGS,
        targets: [
          {
            expr: oneHotStateIndex(
              BREAKER_STATE,
              'resilience_circuit_breaker_state',
              BREAKER_STATES,
              [...SERVICE_POLICY, REPLICA],
              ['resilience_policy', REPLICA_LABEL],
            ),
            legend: '{{resilience_policy}} @ {{service_instance_id}}',
          },
        ],
      }),
    ],
  },
  {
    title: 'Fleet coordination',
    panels: [
      stat({
        title: 'Degraded coordinators',
        description:
          'Coordinators (per replica) that cannot use Redis now: those replicas run their shared breakers, rate limiters and retry budgets on local state, so fleet-wide limits do not hold. ResilienceCoordinationDegraded fires after 5 minutes.',
        unit: 'short',
        span: 6,
        height: 8,
        thresholds: [1],
        targets: [
          {
            expr: orZero(
              sumBy(
                [],
                maxBy(
                  BY_COORDINATOR_REPLICA,
                  selector(COORDINATION_STATE, [...COORDINATION, `${COORDINATION_STATE_LABEL}="degraded"`]),
                ),
              ),
            ),
          },
        ],
      }),
      stateTimeline({
        title: 'Coordination state by replica',
        description:
          'Whether each coordinator of each replica reaches Redis (connected) or runs on local state (degraded: Redis down, slow beyond the coordination timeout, or failing).',
        unit: 'none',
        span: 18,
        states: COORDINATION_STATE_MAPPINGS,
        targets: [
          {
            expr: oneHotStateIndex(
              COORDINATION_STATE,
              COORDINATION_STATE_LABEL,
              COORDINATION_STATES,
              COORDINATION,
              BY_COORDINATOR_REPLICA,
            ),
            legend: '{{resilience_coordinator_name}} @ {{service_instance_id}}',
          },
        ],
      }),
      timeseries({
        title: 'Coordination errors / s by operation',
        description:
          'Redis operations that failed, timed out or returned a value not trusted (invalid_value), by coordinator and operation. Each one fell back to local state; no user call failed because of it.',
        unit: 'ops',
        span: 12,
        targets: [
          {
            expr: sumBy([COORDINATOR, OPERATION], rate(COORDINATION_ERRORS, COORDINATION)),
            legend: '{{resilience_coordinator_name}}: {{resilience_coordination_operation}}',
          },
        ],
      }),
      timeseries({
        title: 'Coordination errors / s by replica',
        description:
          'The same errors by replica: all replicas at once point at Redis itself, a single replica at its network path to Redis.',
        unit: 'ops',
        span: 12,
        targets: [
          {
            expr: sumBy([COORDINATOR, REPLICA_LABEL], rate(COORDINATION_ERRORS, COORDINATION)),
            legend: '{{resilience_coordinator_name}} @ {{service_instance_id}}',
          },
        ],
      }),
    ],
  },
];
