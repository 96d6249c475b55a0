/** Recovery traffic ramp: how traffic is let back to a downstream after an outage, and whether it sticks. */
import { buildDashboard, type DashboardSpec } from './lib/dashboard.js';
import { stat, stateTimeline, timeseries } from './lib/panels.js';
import {
  BY_SERVICE_POLICY,
  countInState,
  oneHotStateIndex,
  orZero,
  rate,
  SERVICE_POLICY,
  share,
  sumBy,
} from './lib/query.js';
import { ADMISSIONS, HEALTH_CHECKS, RECOVERY_STATE, TRAFFIC_RATIO } from './lib/series.js';
import { datasourceVariable, policyVariable, serviceVariable } from './lib/variables.js';

const STATE = 'resilience_recovery_state';

/** Downstreams whose recovery manager is in `state` now. */
const downstreamsIn = (state: string): string => countInState(RECOVERY_STATE, STATE, state);

const spec = (): DashboardSpec => ({
  uid: 'recovery-traffic-ramp',
  title: 'Resilience / Recovery traffic ramp',
  description:
    'Traffic ratio each recovery manager allows against the admitted share actually observed, recovery states over time, admitted vs shed calls, and health checks.',
  variables: [datasourceVariable(), serviceVariable(), policyVariable(RECOVERY_STATE)],
  rows: [
    {
      title: 'Ramp',
      panels: [
        stat({
          title: 'Recovering',
          description:
            'Downstreams whose traffic is being ramped back up. ResilienceRecoveryStalled fires after 10 minutes.',
          unit: 'short',
          span: 6,
          thresholds: [1],
          targets: [{ expr: downstreamsIn('recovering') }],
        }),
        stat({
          title: 'Failed',
          description: 'Downstreams whose health checks keep failing: no traffic is admitted.',
          unit: 'short',
          span: 6,
          thresholds: [1],
          targets: [{ expr: downstreamsIn('failed') }],
        }),
        stat({
          title: 'Shed / s',
          description: 'Calls the recovery ramp turned away per second.',
          unit: 'reqps',
          span: 6,
          thresholds: [0.001],
          targets: [
            { expr: orZero(sumBy([], rate(ADMISSIONS, [...SERVICE_POLICY, 'resilience_admission="shed"']))) },
          ],
        }),
        stat({
          title: 'Health check failures',
          description: 'Failed share of the health checks run against the selected downstreams.',
          unit: 'percentunit',
          span: 6,
          thresholds: [0.01, 0.5],
          targets: [
            {
              expr: share({
                metric: HEALTH_CHECKS,
                matchers: SERVICE_POLICY,
                part: ['resilience_health_check_result="fail"'],
              }),
            },
          ],
        }),
        timeseries({
          title: 'Allowed traffic ratio vs admitted share',
          description:
            'The ratio of calls the ramp allows (gauge) against the share of admission decisions that admitted the call. The observed share should follow the ratio.',
          unit: 'percentunit',
          span: 24,
          height: 9,
          min: 0,
          max: 1,
          targets: [
            {
              expr: `max by (resilience_policy) (${TRAFFIC_RATIO}{${SERVICE_POLICY.join(', ')}})`,
              legend: '{{resilience_policy}} allowed',
            },
            {
              expr: share({
                metric: ADMISSIONS,
                matchers: SERVICE_POLICY,
                part: ['resilience_admission="admitted"'],
                by: ['resilience_policy'],
              }),
              legend: '{{resilience_policy}} admitted',
            },
          ],
        }),
        stateTimeline({
          title: 'Recovery state',
          description: 'State of each downstream over time; with several instances the worst state is shown.',
          unit: 'none',
          span: 24,
          states: [
            { value: 0, text: 'healthy', color: 'green' },
            { value: 1, text: 'degraded', color: 'yellow' },
            { value: 2, text: 'recovering', color: 'orange' },
            { value: 3, text: 'failed', color: 'red' },
          ],
          targets: [
            {
              expr: oneHotStateIndex(
                RECOVERY_STATE,
                STATE,
                ['healthy', 'degraded', 'recovering', 'failed'],
                SERVICE_POLICY,
                BY_SERVICE_POLICY,
              ),
              legend: '{{resilience_policy}}',
            },
          ],
        }),
      ],
    },
    {
      title: 'Admissions and health checks',
      panels: [
        timeseries({
          title: 'Admitted vs shed / s',
          description: 'Admission decisions of the recovery ramp per second.',
          unit: 'reqps',
          span: 12,
          stack: true,
          targets: [
            {
              expr: sumBy(['resilience_admission'], rate(ADMISSIONS, SERVICE_POLICY)),
              legend: '{{resilience_admission}}',
            },
          ],
        }),
        timeseries({
          title: 'Health checks / s by result',
          description: 'Health checks run against each downstream, pass or fail.',
          unit: 'ops',
          span: 12,
          targets: [
            {
              expr: sumBy(
                ['resilience_policy', 'resilience_health_check_result'],
                rate(HEALTH_CHECKS, SERVICE_POLICY),
              ),
              legend: '{{resilience_policy}} {{resilience_health_check_result}}',
            },
          ],
        }),
      ],
    },
  ],
});

export const recoveryTrafficRamp = () => buildDashboard(spec());
