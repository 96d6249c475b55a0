/** Circuit breakers: which are open, since when, how often they trip, and what feeds them. */
import { buildDashboard, type DashboardSpec } from './lib/dashboard.js';
import { barGauge, stat, stateTimeline, timeseries } from './lib/panels.js';
import {
  BY_SERVICE_POLICY,
  countInState,
  increase,
  oneHotStateIndex,
  orZero,
  POLICY,
  RANGE,
  rate,
  SERVICE,
  SERVICE_POLICY,
  share,
  sumBy,
} from './lib/query.js';
import { ATTEMPTS, BREAKER_STATE, REJECTIONS, TRANSITIONS } from './lib/series.js';
import { BREAKER_STATE_MAPPINGS, BREAKER_STATES } from './lib/states.js';
import { datasourceVariable, policyVariable, serviceVariable } from './lib/variables.js';

const STATE = 'resilience_circuit_breaker_state';
const BREAKER_REJECTIONS = [...SERVICE_POLICY, 'resilience_strategy="circuit_breaker"'];

/** Count of breakers in `state`. */
const breakersIn = (state: string): string => countInState(BREAKER_STATE, STATE, state);

const spec = (): DashboardSpec => ({
  uid: 'circuit-breakers',
  title: 'Resilience / Circuit breakers',
  description:
    'State of every circuit breaker over time, transitions, calls rejected by open breakers, the failure ratio of the attempts each breaker watches, and time spent open.',
  variables: [datasourceVariable(), serviceVariable(), policyVariable(BREAKER_STATE)],
  rows: [
    {
      title: 'State',
      panels: [
        stat({
          title: 'Open',
          description:
            'Breakers open now: calls fail fast or go to the fallback. ResilienceCircuitOpen pages after 45 s open.',
          unit: 'short',
          span: 6,
          thresholds: [1],
          targets: [{ expr: breakersIn('open') }],
        }),
        stat({
          title: 'Half-open',
          description: 'Breakers letting a probe call through to test whether the downstream recovered.',
          unit: 'short',
          span: 6,
          thresholds: [1],
          targets: [{ expr: breakersIn('half_open') }],
        }),
        stat({
          title: 'Isolated',
          description: 'Breakers held open by hand (isolate()) until someone resets them.',
          unit: 'short',
          span: 6,
          thresholds: [1],
          targets: [{ expr: breakersIn('isolated') }],
        }),
        stat({
          title: 'Rejected by breakers / s',
          description: 'Calls refused without running because their breaker was open.',
          unit: 'reqps',
          span: 6,
          thresholds: [0.001],
          targets: [{ expr: orZero(sumBy([], rate(REJECTIONS, BREAKER_REJECTIONS))) }],
        }),
        stateTimeline({
          title: 'Breaker state',
          description:
            'State of each breaker over time; with several instances the worst state is shown (isolated > open > half-open > closed).',
          unit: 'none',
          span: 24,
          height: 9,
          states: BREAKER_STATE_MAPPINGS,
          targets: [
            {
              expr: oneHotStateIndex(BREAKER_STATE, STATE, BREAKER_STATES, SERVICE_POLICY, BY_SERVICE_POLICY),
              legend: '{{resilience_policy}}',
            },
          ],
        }),
      ],
    },
    {
      title: 'Why and how often',
      panels: [
        timeseries({
          title: 'Transitions by target state',
          description:
            'State changes per interval, by breaker and the state it moved to. ResilienceCircuitFlapping fires at 3 openings in 30 minutes.',
          unit: 'short',
          span: 12,
          bars: true,
          targets: [
            {
              expr: sumBy(['resilience_policy', STATE], increase(TRANSITIONS, SERVICE_POLICY)),
              legend: '{{resilience_policy}} → {{resilience_circuit_breaker_state}}',
            },
          ],
        }),
        timeseries({
          title: 'Rejected by breakers / s',
          description: 'Calls refused per second because the breaker of their policy was open.',
          unit: 'reqps',
          span: 12,
          targets: [
            {
              expr: sumBy(['resilience_policy'], rate(REJECTIONS, BREAKER_REJECTIONS)),
              legend: '{{resilience_policy}}',
            },
          ],
        }),
        timeseries({
          title: 'Attempt failure ratio by breaker',
          description:
            'Failed share of the attempts that reached each breaker (successes and failures; rejected and cancelled attempts do not feed a breaker).',
          unit: 'percentunit',
          span: 12,
          min: 0,
          max: 1,
          targets: [
            {
              expr: share({
                metric: ATTEMPTS,
                matchers: [...SERVICE_POLICY, 'resilience_outcome=~"success|failure"'],
                part: ['resilience_outcome="failure"'],
                by: ['resilience_policy'],
              }),
              legend: '{{resilience_policy}}',
            },
          ],
        }),
        barGauge({
          title: 'Time spent open',
          description: 'Share of the selected time range each breaker spent open (average over instances).',
          unit: 'percentunit',
          span: 12,
          max: 1,
          thresholds: [0.01, 0.1],
          targets: [
            {
              expr: `avg by (resilience_policy) (avg_over_time(${BREAKER_STATE}{${SERVICE}, ${POLICY}, ${STATE}="open"}[${RANGE}]))`,
              legend: '{{resilience_policy}}',
            },
          ],
        }),
      ],
    },
  ],
});

export const circuitBreakers = () => buildDashboard(spec());
