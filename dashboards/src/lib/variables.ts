/**
 * Template variables. They follow grafana/dashboard-linter's template rules: one datasource variable named
 * `datasource`; query variables on `${datasource}`, labelled in title case, multi-select with "All" = `.+`,
 * refreshed when the time range changes. The `chaos` variable is a fixed choice (a custom variable).
 */
import {
  CustomVariableBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  type VariableOption,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DATASOURCE, type Matchers, SERVICE, selector } from './query.js';

/** The series whose labels feed the service and policy pickers: every logical call has one. */
const CALLS = 'resilience_call_duration_seconds_count';

export const datasourceVariable = (): DatasourceVariableBuilder =>
  new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus');

/** A multi-value variable over the values of `label` on `metric{matchers}`. */
export function labelVariable(
  name: string,
  metric: string,
  label: string,
  matchers: Matchers,
): QueryVariableBuilder {
  const query = `label_values(${selector(metric, matchers)}, ${label})`;
  return new QueryVariableBuilder(name)
    .label(name.charAt(0).toUpperCase() + name.slice(1))
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.+');
}

/** `service`: the `service_name` label (the OTel resource's service.name). */
export const serviceVariable = (): QueryVariableBuilder =>
  labelVariable('service', CALLS, 'service_name', []);

/** `policy`: the `resilience_policy` label of `metric` (default: every policy that ran a call). */
export const policyVariable = (metric: string = CALLS): QueryVariableBuilder =>
  labelVariable('policy', metric, 'resilience_policy', [SERVICE]);

/** `replica`: the `service_instance_id` label (the resource's service.instance.id: one per process). */
export const replicaVariable = (): QueryVariableBuilder =>
  labelVariable('replica', CALLS, 'service_instance_id', [SERVICE]);

/** The `chaos` variable's choices: the value of `resilience_chaos_injected` whose errors are dropped. */
const CHAOS_OPTIONS: readonly VariableOption[] = [
  { text: 'include', value: 'none', selected: true },
  { text: 'exclude', value: 'true', selected: false },
];

/**
 * `chaos`: whether the error panels include the failures chaos injection produced (the default: a game day
 * watches them) or exclude them (what real users met). Applied as `resilience_chaos_injected!~"$chaos"`.
 */
export const chaosVariable = (): CustomVariableBuilder =>
  new CustomVariableBuilder('chaos')
    .label('Injected failures')
    .description(
      'Failures chaos injection produced (resilience_chaos_injected="true"): include them, or exclude them to see what real users met. Alerts count them either way.',
    )
    .values(CHAOS_OPTIONS.map(o => `${o.text} : ${o.value}`).join(','))
    .options([...CHAOS_OPTIONS])
    .current(CHAOS_OPTIONS[0]!)
    .multi(false)
    .includeAll(false)
    .allowCustomValue(false);
