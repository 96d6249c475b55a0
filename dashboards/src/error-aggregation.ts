/** Error aggregation: what kinds of errors the classifier sees, how severe, which spike, and where. */
import { buildDashboard, type DashboardSpec } from './lib/dashboard.js';
import { stat, table, timeseries } from './lib/panels.js';
import {
  CHAOS,
  increase,
  orZero,
  POLICY,
  RANGE,
  rate,
  SERVICE,
  SERVICE_POLICY,
  share,
  sumBy,
} from './lib/query.js';
import { ERROR_PATTERNS, ERRORS, ERRORS_1H, ERRORS_5M } from './lib/series.js';
import { chaosVariable, datasourceVariable, policyVariable, serviceVariable } from './lib/variables.js';

const NOT_CANCELLED = 'resilience_error_category!="cancelled"';
/** The errors the panels show: the selected services and policies, injected failures as `$chaos` says. */
const SHOWN = [...SERVICE_POLICY, CHAOS];

const spec = (): DashboardSpec => ({
  uid: 'error-aggregation',
  title: 'Resilience / Error aggregation',
  description:
    'Classified errors (one per failed attempt) by category, error.type, severity and retryability; category spikes and the patterns the SDK detected. The "Injected failures" variable includes or excludes the failures chaos injection produced.',
  variables: [datasourceVariable(), serviceVariable(), policyVariable(), chaosVariable()],
  rows: [
    {
      title: 'Now',
      panels: [
        stat({
          title: 'Errors / s',
          description:
            'Classified errors per second, one per failed attempt (an attempt refused by the breaker or an admission stage included; cancellations excluded).',
          unit: 'ops',
          span: 6,
          targets: [{ expr: orZero(sumBy([], rate(ERRORS, [...SHOWN, NOT_CANCELLED]))) }],
        }),
        stat({
          title: 'Retryable share',
          description:
            'Share of errors the classifier considers retryable (rate limits, overloads, timeouts, 5xx…).',
          unit: 'percentunit',
          span: 6,
          targets: [
            {
              expr: share({
                metric: ERRORS,
                matchers: SHOWN,
                part: ['resilience_error_retryable="true"'],
              }),
            },
          ],
        }),
        stat({
          title: 'Critical errors / s',
          description:
            'Errors of critical severity per second (for example quota exceeded): retrying will not help.',
          unit: 'ops',
          span: 6,
          thresholds: [0.001],
          targets: [
            {
              expr: orZero(sumBy([], rate(ERRORS, [...SHOWN, 'resilience_error_severity="critical"']))),
            },
          ],
        }),
        stat({
          title: 'Patterns detected',
          description:
            'Error patterns (a category crossing its threshold) the SDK ErrorAggregator reported in the selected range.',
          unit: 'short',
          span: 6,
          thresholds: [1],
          targets: [{ expr: orZero(sumBy([], increase(ERROR_PATTERNS, SERVICE_POLICY, RANGE))) }],
        }),
      ],
    },
    {
      title: 'Breakdown',
      panels: [
        timeseries({
          title: 'Errors / s by category',
          description:
            'Classified errors per second by taxonomy category (rate_limited, overloaded, timeout, network…).',
          unit: 'ops',
          span: 12,
          stack: true,
          targets: [
            {
              expr: sumBy(['resilience_error_category'], rate(ERRORS, SHOWN)),
              legend: '{{resilience_error_category}}',
            },
          ],
        }),
        timeseries({
          title: 'Errors / s by error.type (top 10)',
          description: 'The ten most frequent error.type values (class name or code; _OTHER when unknown).',
          unit: 'ops',
          span: 12,
          targets: [
            {
              expr: `topk(10, ${sumBy(['error_type'], rate(ERRORS, SHOWN))})`,
              legend: '{{error_type}}',
            },
          ],
        }),
        timeseries({
          title: 'Errors / s by severity',
          description: 'Classified errors per second by severity (low, medium, high, critical).',
          unit: 'ops',
          span: 8,
          stack: true,
          targets: [
            {
              expr: sumBy(['resilience_error_severity'], rate(ERRORS, SHOWN)),
              legend: '{{resilience_error_severity}}',
            },
          ],
        }),
        timeseries({
          title: 'Retryable vs not',
          description: 'Errors per second split by whether the classifier marked them retryable.',
          unit: 'ops',
          span: 8,
          stack: true,
          targets: [
            {
              expr: sumBy(['resilience_error_retryable'], rate(ERRORS, SHOWN)),
              legend: 'retryable={{resilience_error_retryable}}',
            },
          ],
        }),
        timeseries({
          title: 'Errors / s by policy and category',
          description: 'Which policy (downstream) produces which kind of error.',
          unit: 'ops',
          span: 8,
          targets: [
            {
              expr: sumBy(['resilience_policy', 'resilience_error_category'], rate(ERRORS, SHOWN)),
              legend: '{{resilience_policy}} {{resilience_error_category}}',
            },
          ],
        }),
      ],
    },
    {
      title: 'Spikes',
      panels: [
        timeseries({
          title: 'Category spike ratio (5m rate / 1h rate)',
          description:
            'Error rate of each category over 5 minutes divided by its rate over 1 hour (recording rules policy_category:resilience_errors:rate5m / rate1h, which count injected failures too, as the alert does). The ResilienceErrorCategorySpike alert fires above 3 when the 5m rate also exceeds 0.1/s.',
          unit: 'short',
          decimals: 1,
          span: 12,
          thresholds: [3],
          targets: [
            {
              expr: `${ERRORS_5M}{${SERVICE}, ${POLICY}, ${NOT_CANCELLED}} / ${ERRORS_1H}{${SERVICE}, ${POLICY}, ${NOT_CANCELLED}}`,
              legend: '{{resilience_policy}} {{resilience_error_category}}',
            },
          ],
        }),
        timeseries({
          title: 'Patterns detected by the SDK',
          description:
            'Error patterns reported by the SDK ErrorAggregator per interval, by policy and category.',
          unit: 'short',
          span: 12,
          bars: true,
          targets: [
            {
              expr: sumBy(
                ['resilience_policy', 'resilience_error_category'],
                increase(ERROR_PATTERNS, SERVICE_POLICY),
              ),
              legend: '{{resilience_policy}} {{resilience_error_category}}',
            },
          ],
        }),
        table({
          title: 'Top error types in the selected range',
          description:
            'The ten (policy, category, error.type) combinations with the most errors over the selected time range.',
          unit: 'short',
          span: 24,
          targets: [
            {
              expr: `topk(10, ${sumBy(['resilience_policy', 'resilience_error_category', 'error_type'], increase(ERRORS, SHOWN, RANGE))})`,
            },
          ],
        }),
      ],
    },
  ],
});

export const errorAggregation = () => buildDashboard(spec());
