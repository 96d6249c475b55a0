/** Resilience overview: is anything degraded right now, and where? The landing dashboard of the stack. */
import { fleetRows } from './fleet-rows.js';
import { chaosRow, hedgingRow } from './hedging-chaos-rows.js';
import { buildDashboard, type DashboardSpec } from './lib/dashboard.js';
import { stat, timeseries } from './lib/panels.js';
import {
  BY_SERVICE_POLICY,
  countInState,
  FAILED,
  maxBy,
  NOT_CANCELLED,
  orZero,
  POLICY,
  quantile,
  rate,
  SERVICE,
  SERVICE_POLICY,
  selector,
  share,
  sumBy,
} from './lib/query.js';
import {
  BREAKER_STATE,
  CALL_DURATION,
  CALLS,
  FAILURE_RATIO_5M,
  FALLBACK_SHARE_5M,
  RETRIES,
  RETRIES_PER_CALL_5M,
} from './lib/series.js';
import { datasourceVariable, policyVariable, replicaVariable, serviceVariable } from './lib/variables.js';

const CALLS_COUNTED = [...SERVICE_POLICY, NOT_CANCELLED];
const BREAKER_STATE_LABEL = 'resilience_circuit_breaker_state';
const OPEN = `${BREAKER_STATE_LABEL}="open"`;
const POLICY_LEGEND = '{{service_name}} / {{resilience_policy}}';

const spec = (): DashboardSpec => ({
  uid: 'resilience-overview',
  title: 'Resilience / Overview',
  description:
    'Calls through agent-resilience policies: outcomes, failure ratio, latency, open circuits, retry amplification and fallback share; hedging; chaos injection (rehearsals, marked on every dashboard); per replica, and the coordination of a fleet through Redis.',
  variables: [datasourceVariable(), serviceVariable(), policyVariable(), replicaVariable()],
  rows: [
    {
      title: 'Now',
      panels: [
        stat({
          title: 'Calls / s',
          description: 'Logical calls per second through the selected policies (cancelled calls excluded).',
          unit: 'reqps',
          span: 4,
          targets: [{ expr: sumBy([], rate(CALLS, CALLS_COUNTED)) }],
        }),
        stat({
          title: 'Failure ratio',
          description:
            'Share of calls that finally failed or were rejected. A call served by a fallback counts as a success; cancelled calls are left out.',
          unit: 'percentunit',
          span: 4,
          thresholds: [0.01, 0.05],
          targets: [{ expr: share({ metric: CALLS, matchers: CALLS_COUNTED, part: [FAILED] }) }],
        }),
        stat({
          title: 'Open circuits',
          description: 'Circuit breakers currently open (calls fail fast or go to the fallback).',
          unit: 'short',
          span: 4,
          thresholds: [1],
          targets: [
            {
              expr: countInState(BREAKER_STATE, BREAKER_STATE_LABEL, 'open'),
            },
          ],
        }),
        stat({
          title: 'Fallback share',
          description: 'Share of calls answered by a fallback instead of the primary path.',
          unit: 'percentunit',
          span: 4,
          thresholds: [0.05, 0.2],
          targets: [
            {
              expr: share({
                metric: CALLS,
                matchers: CALLS_COUNTED,
                part: ['resilience_outcome="fallback"'],
              }),
            },
          ],
        }),
        stat({
          title: 'Retries per call',
          description:
            'Retries scheduled per logical call: the load amplification that retries put on downstreams.',
          unit: 'short',
          decimals: 2,
          span: 4,
          thresholds: [0.5, 1],
          targets: [
            {
              expr: `(${orZero(sumBy([], rate(RETRIES, SERVICE_POLICY)))}) / ${sumBy([], rate(CALLS, CALLS_COUNTED))}`,
            },
          ],
        }),
        stat({
          title: 'p95 call duration',
          description: '95th percentile of the duration of logical calls, all attempts and waits included.',
          unit: 's',
          span: 4,
          targets: [{ expr: quantile(0.95, CALL_DURATION, SERVICE_POLICY) }],
        }),
      ],
    },
    {
      title: 'Traffic and failures',
      panels: [
        timeseries({
          title: 'Calls / s by outcome',
          description:
            'Logical calls by final outcome: success, fallback (degraded success), failure, rejected (shed before running) and cancelled.',
          unit: 'reqps',
          span: 12,
          stack: true,
          targets: [
            {
              expr: sumBy(['resilience_outcome'], rate(CALLS, SERVICE_POLICY)),
              legend: '{{resilience_outcome}}',
            },
          ],
        }),
        timeseries({
          title: 'Failure ratio by policy (5m)',
          description:
            'Failed or rejected share of non-cancelled calls per policy over 5 minutes (recording rule policy:resilience_call_failures:ratio_rate5m, the SLI of the burn-rate alerts). Dashed lines: the fast-burn thresholds 6 % and 14.4 %.',
          unit: 'percentunit',
          span: 12,
          min: 0,
          thresholds: [0.06, 0.144],
          targets: [{ expr: `${FAILURE_RATIO_5M}{${SERVICE}, ${POLICY}}`, legend: POLICY_LEGEND }],
        }),
      ],
    },
    {
      title: 'Latency',
      panels: [
        timeseries({
          title: 'Call duration percentiles',
          description: 'p50, p95 and p99 of logical call duration over the selected policies.',
          unit: 's',
          span: 12,
          targets: [
            { expr: quantile(0.5, CALL_DURATION, SERVICE_POLICY), legend: 'p50' },
            { expr: quantile(0.95, CALL_DURATION, SERVICE_POLICY), legend: 'p95' },
            { expr: quantile(0.99, CALL_DURATION, SERVICE_POLICY), legend: 'p99' },
          ],
        }),
        timeseries({
          title: 'p95 call duration by policy',
          description: '95th percentile of logical call duration per policy.',
          unit: 's',
          span: 12,
          targets: [
            {
              expr: quantile(0.95, CALL_DURATION, SERVICE_POLICY, ['resilience_policy']),
              legend: '{{resilience_policy}}',
            },
          ],
        }),
      ],
    },
    {
      title: 'Protection at work',
      panels: [
        timeseries({
          title: 'Retries per call by policy (5m)',
          description:
            'Retries per logical call per policy over 5 minutes (recording rule policy:resilience_retries_per_call:ratio_rate5m). 1 means every call was retried once on average.',
          unit: 'short',
          decimals: 2,
          span: 8,
          min: 0,
          targets: [{ expr: `${RETRIES_PER_CALL_5M}{${SERVICE}, ${POLICY}}`, legend: POLICY_LEGEND }],
        }),
        timeseries({
          title: 'Fallback share by policy (5m)',
          description:
            'Share of calls served by a fallback per policy over 5 minutes (recording rule policy:resilience_fallbacks:ratio_rate5m). The ResilienceFallbackShareHigh alert fires above 20 %.',
          unit: 'percentunit',
          span: 8,
          min: 0,
          thresholds: [0.2],
          targets: [{ expr: `${FALLBACK_SHARE_5M}{${SERVICE}, ${POLICY}}`, legend: POLICY_LEGEND }],
        }),
        timeseries({
          title: 'Open circuits by policy',
          description:
            '1 while the circuit breaker of a policy is open. Details on the Circuit breakers dashboard.',
          unit: 'short',
          span: 8,
          min: 0,
          stack: true,
          targets: [
            {
              expr: maxBy(BY_SERVICE_POLICY, selector(BREAKER_STATE, [...SERVICE_POLICY, OPEN])),
              legend: POLICY_LEGEND,
            },
          ],
        }),
      ],
    },
    hedgingRow(),
    chaosRow(),
    ...fleetRows(),
  ],
});

export const resilienceOverview = () => buildDashboard(spec());
