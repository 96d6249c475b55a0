/** Retry budgets: how much extra load retries add, how much budget is left, and what was denied. */
import { buildDashboard, type DashboardSpec } from './lib/dashboard.js';
import { stat, timeseries } from './lib/panels.js';
import {
  BUDGET,
  increase,
  NOT_CANCELLED,
  orZero,
  POLICY,
  quantile,
  RANGE,
  rate,
  SERVICE,
  SERVICE_POLICY,
  share,
  sumBy,
} from './lib/query.js';
import {
  BUDGET_AVAILABLE,
  BUDGET_CAPACITY,
  BUDGET_RATIO,
  CALLS,
  REJECTIONS,
  RETRIES,
  RETRIES_PER_CALL_5M,
  RETRY_DELAY,
  RETRY_EXHAUSTED,
} from './lib/series.js';
import { datasourceVariable, labelVariable, policyVariable, serviceVariable } from './lib/variables.js';

const SB = [SERVICE, BUDGET];
const BY_BUDGET = ['resilience_retry_budget_name'];

const spec = (): DashboardSpec => ({
  uid: 'retry-budgets',
  title: 'Resilience / Retry budgets',
  description:
    'Retry volume against call volume, shared retry budgets (available vs capacity), denied retries, calls that gave up and why, retry delays and the Retry-After share.',
  variables: [
    datasourceVariable(),
    serviceVariable(),
    policyVariable(),
    labelVariable('budget', BUDGET_CAPACITY, 'resilience_retry_budget_name', [SERVICE]),
  ],
  rows: [
    {
      title: 'Retry volume',
      panels: [
        timeseries({
          title: 'Retries / s vs calls / s',
          description:
            'Retries scheduled per second next to logical calls per second (cancelled calls excluded).',
          unit: 'ops',
          span: 12,
          targets: [
            { expr: sumBy([], rate(RETRIES, SERVICE_POLICY)), legend: 'retries / s' },
            { expr: sumBy([], rate(CALLS, [...SERVICE_POLICY, NOT_CANCELLED])), legend: 'calls / s' },
          ],
        }),
        timeseries({
          title: 'Retries per call by policy (5m)',
          description:
            'Retries per logical call per policy over 5 minutes (recording rule policy:resilience_retries_per_call:ratio_rate5m): the amplification a budget caps.',
          unit: 'short',
          decimals: 2,
          span: 12,
          min: 0,
          targets: [
            { expr: `${RETRIES_PER_CALL_5M}{${SERVICE}, ${POLICY}}`, legend: '{{resilience_policy}}' },
          ],
        }),
        timeseries({
          title: 'Retries / s by error category',
          description: 'Which error categories cause the retries.',
          unit: 'ops',
          span: 8,
          stack: true,
          targets: [
            {
              expr: sumBy(['resilience_error_category'], rate(RETRIES, SERVICE_POLICY)),
              legend: '{{resilience_error_category}}',
            },
          ],
        }),
        timeseries({
          title: 'Retry-After share by policy',
          description:
            'Share of retries whose wait was set by the server (Retry-After and similar headers) rather than the backoff.',
          unit: 'percentunit',
          span: 8,
          min: 0,
          max: 1,
          targets: [
            {
              expr: share({
                metric: RETRIES,
                matchers: SERVICE_POLICY,
                part: ['resilience_retry_delay_source="retry_after"'],
                by: ['resilience_policy'],
              }),
              legend: '{{resilience_policy}}',
            },
          ],
        }),
        timeseries({
          title: 'Retry delay percentiles',
          description:
            'p50, p95 and p99 of the wait before a retry: the larger of the backoff and Retry-After, capped.',
          unit: 's',
          span: 8,
          targets: [
            { expr: quantile(0.5, RETRY_DELAY, SERVICE_POLICY), legend: 'p50' },
            { expr: quantile(0.95, RETRY_DELAY, SERVICE_POLICY), legend: 'p95' },
            { expr: quantile(0.99, RETRY_DELAY, SERVICE_POLICY), legend: 'p99' },
          ],
        }),
      ],
    },
    {
      title: 'Budgets',
      panels: [
        timeseries({
          title: 'Budget available vs capacity',
          description:
            'Retries each shared budget would allow now, against its capacity (summed over instances).',
          unit: 'short',
          span: 12,
          min: 0,
          targets: [
            {
              expr: sumBy(BY_BUDGET, `${BUDGET_AVAILABLE}{${SB.join(', ')}}`),
              legend: '{{resilience_retry_budget_name}} available',
            },
            {
              expr: sumBy(BY_BUDGET, `${BUDGET_CAPACITY}{${SB.join(', ')}}`),
              legend: '{{resilience_retry_budget_name}} capacity',
            },
          ],
        }),
        timeseries({
          title: 'Budget left (worst instance)',
          description:
            'Available / capacity of each budget on its emptiest instance (recording rule instance_budget:resilience_retry_budget_available:ratio). ResilienceRetryBudgetLow fires below 20 %.',
          unit: 'percentunit',
          span: 12,
          min: 0,
          max: 1,
          thresholds: [0.2],
          targets: [
            {
              expr: `min by (resilience_retry_budget_name) (${BUDGET_RATIO}{${SB.join(', ')}})`,
              legend: '{{resilience_retry_budget_name}}',
            },
          ],
        }),
        timeseries({
          title: 'Retries denied by the budget / s',
          description:
            'Retries the retry budget refused, per policy (rejections with strategy retry_budget).',
          unit: 'ops',
          span: 8,
          targets: [
            {
              expr: sumBy(
                ['resilience_policy'],
                rate(REJECTIONS, [...SERVICE_POLICY, 'resilience_strategy="retry_budget"']),
              ),
              legend: '{{resilience_policy}}',
            },
          ],
        }),
        timeseries({
          title: 'Calls that gave up / s by reason',
          description:
            'Calls the retry strategy stopped retrying: max_attempts, non_retryable, budget_exhausted, retry_after_too_long, deadline…',
          unit: 'reqps',
          span: 8,
          stack: true,
          targets: [
            {
              expr: sumBy(['resilience_retry_reason'], rate(RETRY_EXHAUSTED, SERVICE_POLICY)),
              legend: '{{resilience_retry_reason}}',
            },
          ],
        }),
        stat({
          title: 'Calls stopped by an empty budget',
          description: 'Calls that ended with reason budget_exhausted in the selected range.',
          unit: 'short',
          span: 8,
          height: 8,
          thresholds: [1],
          targets: [
            {
              expr: orZero(
                sumBy(
                  [],
                  increase(
                    RETRY_EXHAUSTED,
                    [...SERVICE_POLICY, 'resilience_retry_reason="budget_exhausted"'],
                    RANGE,
                  ),
                ),
              ),
            },
          ],
        }),
      ],
    },
  ],
});

export const retryBudgets = () => buildDashboard(spec());
