/**
 * PromQL building blocks shared by every dashboard: the templated datasource, the standard label filters,
 * rates over `$__rate_interval`, shares that stay defined when the numerator has no series, histogram quantiles
 * over `by (le)` and the encoding of one-hot state gauges into one number per series for state timelines.
 *
 * Metric and label names are written literally (the JSON is what people review); `test/dashboards.test.ts`
 * checks every one of them against the telemetry contract in `sdk/src/semconv.ts`.
 */
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

/** Every panel and target queries the datasource chosen in the `datasource` variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable syntax, not a JavaScript template.
export const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** Grafana's range for rate(): at least four scrape intervals. */
export const RATE_INTERVAL = '$__rate_interval';
/** Grafana's selected time range; only for instant queries that summarise the whole range. */
export const RANGE = '$__range';

/** Label matchers for the template variables. */
export const SERVICE = 'service_name=~"$service"';
export const POLICY = 'resilience_policy=~"$policy"';
export const BUDGET = 'resilience_retry_budget_name=~"$budget"';
export const AGENT = 'gen_ai_agent_name=~"$agent"';
/** Run-level policies are named `agent.<agentName>`. */
export const AGENT_POLICY = 'resilience_policy=~"agent[.]$agent"';
/** A replica of a fleet: the resource's service.instance.id (collector/README.md, "Labels"). */
export const REPLICA = 'service_instance_id=~"$replica"';

/**
 * Failures chaos injection produced carry `resilience_chaos_injected="true"` on the errors counter (issue 11):
 * rehearsals, never real failures.
 */
export const INJECTED = 'resilience_chaos_injected="true"';
export const NOT_INJECTED = 'resilience_chaos_injected!="true"';
/**
 * The `chaos` variable ({@link chaosVariable}): drops the errors whose injected label matches its value, `true`
 * (exclude injected failures) or `none` (no label value: include them).
 */
export const CHAOS = 'resilience_chaos_injected!~"$chaos"';

/** Calls that count for ratios: cancelled calls are neither failures nor successes. */
export const NOT_CANCELLED = 'resilience_outcome!="cancelled"';
/** Failed calls for the failure ratio; a fallback is a degraded success. */
export const FAILED = 'resilience_outcome=~"failure|rejected"';

export type Matchers = readonly string[];

/** `metric{m1, m2}`, or the bare metric name without matchers. */
export const selector = (metric: string, matchers: Matchers): string =>
  matchers.length === 0 ? metric : `${metric}{${matchers.join(', ')}}`;

/** Per-second rate of a counter over `range`. */
export const rate = (metric: string, matchers: Matchers, range: string = RATE_INTERVAL): string =>
  `rate(${selector(metric, matchers)}[${range}])`;

/** Increase of a counter over `range`. */
export const increase = (metric: string, matchers: Matchers, range: string = RATE_INTERVAL): string =>
  `increase(${selector(metric, matchers)}[${range}])`;

/** `sum by (labels) (expr)`, or `sum(expr)` without labels. */
export const sumBy = (by: readonly string[], expr: string): string =>
  by.length === 0 ? `sum(${expr})` : `sum by (${by.join(', ')}) (${expr})`;

/** `max by (labels) (expr)`. */
export const maxBy = (by: readonly string[], expr: string): string =>
  by.length === 0 ? `max(${expr})` : `max by (${by.join(', ')}) (${expr})`;

/** A scalar-like total that shows 0 instead of "No data" when nothing matched. */
export const orZero = (expr: string): string => `${expr} or vector(0)`;

/** Matchers of the `$service` and `$policy` variables, which most panels filter by. */
export const SERVICE_POLICY: Matchers = [SERVICE, POLICY];

/** The labels that name one breaker or recovery manager of one service. */
export const BY_SERVICE_POLICY: readonly string[] = ['service_name', 'resilience_policy'];

/**
 * How many breakers or recovery managers (by service and policy, worst instance) a one-hot state gauge shows in
 * `state`: 0, not "No data", when none is.
 */
export const countInState = (gauge: string, stateLabel: string, state: string): string =>
  orZero(
    sumBy([], maxBy(BY_SERVICE_POLICY, selector(gauge, [...SERVICE_POLICY, `${stateLabel}="${state}"`]))),
  );

export interface ShareOptions {
  /** Counter (or histogram `_count`) to take the share of. */
  readonly metric: string;
  /** Matchers of the whole (the denominator). */
  readonly matchers: Matchers;
  /** Extra matchers that select the part (the numerator). */
  readonly part: Matchers;
  /** Grouping labels of the result. */
  readonly by?: readonly string[];
}

/**
 * Share of a counter's rate that matches `part`, per `by` group. The numerator is completed with zeros
 * (`or 0 * whole`) so that a group without any matching series shows 0 %, not "No data".
 */
export function share({ metric, matchers, part, by = [] }: ShareOptions): string {
  const whole = rate(metric, matchers);
  const partRate = rate(metric, [...matchers, ...part]);
  return `${sumBy(by, `${partRate} or 0 * ${whole}`)} / ${sumBy(by, whole)}`;
}

/**
 * Rates of the series of one quantity that has several names, e.g. a GenAI duration under the current and the
 * newest convention (`OTEL_SEMCONV_STABILITY_OPT_IN`): `rate(a{…}[…]) or rate(b{…}[…])`. Each process reports
 * one name; where both report the same labels, the first name wins, so nothing is counted twice.
 */
export const rateOfEither = (metrics: readonly string[], matchers: Matchers): string =>
  metrics.map(metric => rate(metric, matchers)).join(' or ');

/**
 * `histogram_quantile(q, sum by (le, …) (rate(<base>_bucket{…}[$__rate_interval])))`; with several names of one
 * histogram, over the rates of either ({@link rateOfEither}).
 */
export const quantile = (
  q: number,
  histogram: string | readonly string[],
  matchers: Matchers,
  by: readonly string[] = [],
): string => {
  const names = typeof histogram === 'string' ? [histogram] : histogram;
  const buckets = rateOfEither(
    names.map(name => `${name}_bucket`),
    matchers,
  );
  return `histogram_quantile(${q}, ${sumBy(['le', ...by], buckets)})`;
};

/**
 * Encodes a one-hot state gauge (one series per state, 1 for the current one) as the index of the current
 * state per `by` group, for a state timeline with value mappings. With several instances the highest index
 * wins, so order `states` from healthy to worst.
 */
export function oneHotStateIndex(
  metric: string,
  stateLabel: string,
  states: readonly string[],
  matchers: Matchers,
  by: readonly string[],
): string {
  const terms = states.map(
    (state, index) => `${selector(metric, [...matchers, `${stateLabel}="${state}"`])} * ${index}`,
  );
  return maxBy(by, terms.join(' or '));
}
