/**
 * The generated Grafana dashboards: up to date with dashboards/src, linted, and querying only the telemetry
 * contract.
 *
 * Lint rules ported from grafana/dashboard-linter (which needs Go 1.26 and cannot run here):
 * - template-datasource-rule: exactly one datasource variable, named `datasource`, labelled "Data source",
 *   of type prometheus.
 * - template-job-rule / template-instance-rule, adapted: the `service` variable (label `service_name`) plays
 *   the job's role. Our job label is service.name and instance is a random service.instance.id per process,
 *   so no instance variable is required; the overview's `replica` variable (label `service_instance_id`, the
 *   same id on every metrics path) serves its per-replica panels. Query variables follow the linter's
 *   checkTemplate: they use `${datasource}`, are labelled in title case, multi-select, "All" = `.+`.
 * - template-on-time-change-reload-rule: query variables refresh on time range change (2).
 * - template-label-promql-rule: `label_values(metric{…}, label)` names a contract series and label.
 * - template-unused / template-variable-matchers (newer linter rules): every variable is used, and every
 *   `$variable` a query uses exists.
 * - panel-datasource-rule: every panel and every target uses `${datasource}`.
 * - panel-title-description-rule: every panel has a title and a description.
 * - panel-units-rule: every panel has a valid unit (the Grafana unit ids of the foundation SDK). We require it
 *   on every panel type, state timelines included, where the linter skips some.
 * - panel-no-targets-rule: every panel has at least one query.
 * - target-promql-rule: every expression parses (`promtool check rules` on a temporary rules file).
 * - target-rate-interval-rule: rate() and irate() use `$__rate_interval`. Adapted: every range selector uses
 *   `$__rate_interval`, except that instant queries may summarise the whole range with `$__range`.
 * - target-job-rule / target-instance-rule, adapted: every selector filters `service_name=~"$service"`.
 * - target-counter-agg-rule: counters (`_total`, and histogram `_count`/`_sum`) are only read through
 *   rate/irate/increase.
 * - target-histogram-rule: `_bucket` series are only read through histogram_quantile over `sum by (le, …)`.
 * - uneditable-dashboard: dashboards are read-only (provisioned from code).
 * Our own additions: uid = file name in kebab-case; no deprecated panel types (graph, singlestat, table-old);
 * explicit, unique refIds; panels inside the 24-column grid; every series, label and closed label value exists
 * in the telemetry contract; no `le` matcher; the overview's fleet view (issue 10 §4).
 */
import { join } from 'node:path';
import * as units from '@grafana/grafana-foundation-sdk/units';
import { describe, expect, it } from 'vitest';
import { DASHBOARDS_DIR, renderDashboards } from '../dashboards/src/index.js';
import { prometheusLabelName, prometheusMetricName } from '../sdk/src/otel/prometheus-naming.js';
import { ATTR_RESILIENCE_CHAOS_INJECTED, METRICS } from '../sdk/src/semconv.js';
import {
  annotations,
  annotationTargets,
  type DashboardJson,
  dashboardTargets,
  dataPanels,
  datasourceQueries,
  readCommittedDashboards,
  variableReferences,
  variables,
} from './dashboard-json.js';
import { analyzePromql } from './promql.js';
import { contractViolations } from './promql-contract.js';
import { checkPromqlSyntax, type NamedExpression, substituteGrafanaVariables } from './promtool-check.js';
import { requirePath, stackBinary } from './stack-binaries.js';
import { REPO_ROOT, telemetryNames } from './telemetry-names.js';

/** The Prometheus name of a contract metric (histograms without their suffixes). */
const seriesOf = (key: keyof typeof METRICS): string =>
  prometheusMetricName(METRICS[key].name, METRICS[key].unit, METRICS[key].kind);
const CALLS = `${seriesOf('callDuration')}_count`;
const BREAKER_STATE = seriesOf('circuitBreakerState');
const COORDINATION_STATE = seriesOf('coordinationState');
const COORDINATION_ERRORS = seriesOf('coordinationErrors');
const ERRORS = seriesOf('errors');
const CHAOS_INJECTIONS = seriesOf('chaosInjections');
const HEDGES = seriesOf('hedges');
const HEDGE_SAVED = seriesOf('hedgeSaved');
/** The label that marks failures chaos injection produced (issue 11), and the variable that can hide them. */
const INJECTED = prometheusLabelName(ATTR_RESILIENCE_CHAOS_INJECTED);

const rendered = renderDashboards();
const dashboards = rendered.map(r => ({ fileName: r.fileName, json: JSON.parse(r.json) as DashboardJson }));
const names = telemetryNames();
const VALID_UNITS = new Set(
  Object.values(units as Record<string, unknown>).filter(u => typeof u === 'string'),
);
const DEPRECATED_PANEL_TYPES = new Set(['graph', 'singlestat', 'table-old']);
const COUNTER_READERS = new Set(['rate', 'irate', 'increase']);
/** The templated datasource every panel, target and query variable must use. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable syntax, not a JavaScript template.
const TEMPLATED_UID = '${datasource}';
const TEMPLATED_DATASOURCE = { type: 'prometheus', uid: TEMPLATED_UID };

const datasourceTargets: NamedExpression[] = datasourceQueries(
  join(REPO_ROOT, 'dashboards/grafana/provisioning/datasources/datasources.yaml'),
).map(q => ({ source: q.source, expr: substituteGrafanaVariables(q.expr) }));
const allTargets = [
  ...dashboards.flatMap(d => [
    ...dashboardTargets(d.json, d.fileName),
    ...annotationTargets(d.json, d.fileName),
  ]),
  ...datasourceTargets,
];

describe('generated dashboards', () => {
  it('are up to date: `npm run dashboards` would not change the committed JSON', () => {
    const committed = readCommittedDashboards(join(REPO_ROOT, DASHBOARDS_DIR));
    expect([...committed.keys()]).toEqual(rendered.map(r => r.fileName).sort());
    for (const { fileName, json } of rendered) {
      expect(committed.get(fileName), `${fileName} is stale: run npm run dashboards`).toBe(json);
    }
  });

  it('are the six dashboards of the stack', () => {
    expect(rendered.map(r => r.fileName)).toEqual([
      'resilience-overview.json',
      'error-aggregation.json',
      'retry-budgets.json',
      'circuit-breakers.json',
      'recovery-traffic-ramp.json',
      'agent-runs.json',
    ]);
  });
});

describe.each(dashboards)('$fileName', ({ fileName, json }) => {
  const vars = variables(json);
  const queryVars = vars.filter(v => v.type === 'query');
  const panels = dataPanels(json);
  const targets = dashboardTargets(json, fileName);

  it('has a kebab-case uid equal to its file name and is read-only', () => {
    expect(`${json.uid}.json`).toBe(fileName);
    expect(json.uid).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(json.editable).toBe(false);
  });

  it('has one datasource variable `datasource` of type prometheus (template-datasource-rule)', () => {
    const datasources = vars.filter(v => v.type === 'datasource');
    expect(datasources).toHaveLength(1);
    expect(datasources[0]).toMatchObject({ name: 'datasource', label: 'Data source', query: 'prometheus' });
  });

  it('has a service variable and lints its query variables (template-*-rule)', () => {
    expect(queryVars.map(v => v.name)).toContain('service');
    for (const v of queryVars) {
      expect(v.datasource?.uid, v.name).toBe(TEMPLATED_UID);
      expect(v.label, v.name).toBe(v.name.charAt(0).toUpperCase() + v.name.slice(1));
      expect(v, v.name).toMatchObject({ multi: true, includeAll: true, allValue: '.+', refresh: 2 });
      const query = typeof v.query === 'string' ? v.query : '';
      const match = /^label_values\((.+), (\w+)\)$/.exec(query);
      expect(match, `${v.name}: ${query}`).not.toBeNull();
      expect(contractViolations(match![1]!, names), v.name).toEqual([]);
      expect(names.labels.has(match![2]!), `${v.name} label ${match![2]}`).toBe(true);
    }
  });

  it('uses every variable it declares and declares every variable it uses', () => {
    const used = new Set(
      [...targets, ...queryVars.map(v => ({ expr: String(v.query) }))].flatMap(t =>
        variableReferences(t.expr),
      ),
    );
    const declared = new Set(vars.map(v => v.name));
    expect([...used].filter(name => !declared.has(name))).toEqual([]);
    expect([...declared].filter(name => name !== 'datasource' && !used.has(name))).toEqual([]);
  });

  it('gives every panel a title, a description, a valid unit, targets and the templated datasource', () => {
    for (const p of panels) {
      const where = `${fileName} › ${p.title ?? p.id}`;
      expect(p.title, where).toBeTruthy();
      expect(p.description, where).toBeTruthy();
      expect(
        VALID_UNITS.has(p.fieldConfig?.defaults?.unit ?? ''),
        `${where}: unit ${p.fieldConfig?.defaults?.unit}`,
      ).toBe(true);
      expect(DEPRECATED_PANEL_TYPES.has(p.type), `${where}: deprecated type ${p.type}`).toBe(false);
      expect(p.datasource, where).toEqual(TEMPLATED_DATASOURCE);
      expect(p.targets?.length, `${where} has no targets`).toBeGreaterThan(0);
      const refIds = (p.targets ?? []).map(t => t.refId);
      expect(new Set(refIds).size, `${where}: refIds ${refIds}`).toBe(refIds.length);
      for (const t of p.targets ?? []) {
        expect(t.refId, where).toMatch(/^[A-Z]$/);
        expect(t.datasource, where).toEqual(TEMPLATED_DATASOURCE);
      }
    }
  });

  it('lays panels out inside the 24-column grid with unique ids', () => {
    const ids = panels.map(p => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      const pos = p.gridPos!;
      expect(pos.x + pos.w, `${p.title}: x ${pos.x} + w ${pos.w}`).toBeLessThanOrEqual(24);
    }
  });

  it('uses $__rate_interval for ranges, $__range only in instant queries (target-rate-interval-rule)', () => {
    for (const t of targets) {
      const { selectors, subqueries } = analyzePromql(t.expr);
      const ranges = [
        ...selectors.flatMap(s => (s.range === undefined ? [] : [s.range])),
        ...subqueries.map(s => s.range),
      ];
      for (const range of ranges) {
        const allowed = t.instant ? ['$__rate_interval', '$__range'] : ['$__rate_interval'];
        expect(allowed, `${t.source}: [${range}]`).toContain(range);
      }
    }
  });

  it('filters every series by $service (target-job-rule, adapted)', () => {
    for (const t of targets) {
      for (const s of analyzePromql(t.expr).selectors) {
        const filtered = s.matchers.some(
          m => m.label === 'service_name' && m.op === '=~' && m.value === '$service',
        );
        expect(filtered, `${t.source}: ${s.metric}`).toBe(true);
      }
    }
  });

  it('reads counters through rate/irate/increase and buckets through histogram_quantile by le', () => {
    for (const t of targets) {
      for (const s of analyzePromql(t.expr).selectors) {
        const where = `${t.source}: ${s.metric}`;
        if (/_(total|count|sum)$/.test(s.metric) && !s.metric.includes(':')) {
          expect(s.range, where).toBeDefined();
          expect(COUNTER_READERS.has(s.frames[0]?.fn ?? ''), where).toBe(true);
        }
        if (s.metric.endsWith('_bucket')) {
          const quantileAt = s.frames.findIndex(f => f.fn === 'histogram_quantile');
          expect(quantileAt, where).toBeGreaterThan(0);
          const byLe = s.frames
            .slice(0, quantileAt)
            .some(f => f.grouping?.keyword === 'by' && f.grouping.labels.includes('le'));
          expect(byLe, `${where} must be aggregated by (le)`).toBe(true);
        }
      }
    }
  });

  it('queries only series, labels and values of the telemetry contract', () => {
    for (const t of targets) expect(contractViolations(t.expr, names), t.source).toEqual([]);
  });
});

describe('resilience-overview.json: the fleet view (issue 10 §4)', () => {
  const overview = dashboards.find(d => d.fileName === 'resilience-overview.json')!;
  const targets = dashboardTargets(overview.json, overview.fileName).map(t => ({
    ...t,
    ...analyzePromql(t.expr),
  }));
  const reading = (metric: string) => targets.filter(t => t.selectors.some(s => s.metric === metric));
  const groupedBy = (labels: readonly string[]) => (t: { clauseLabels: string[] }) =>
    labels.every(label => t.clauseLabels.includes(label));

  it('has a replica variable over service_instance_id that filters the per-replica panels', () => {
    const replica = variables(overview.json).find(v => v.name === 'replica');
    expect(replica?.query).toMatch(/^label_values\(.+, service_instance_id\)$/);
    const perReplica = targets.filter(groupedBy(['service_instance_id']));
    for (const metric of [CALLS, BREAKER_STATE, COORDINATION_STATE, COORDINATION_ERRORS])
      expect(perReplica.filter(t => reading(metric).includes(t)).length, metric).toBeGreaterThan(0);
    for (const t of perReplica) expect(variableReferences(t.expr), t.source).toContain('replica');
  });

  it('has the coordination panels: state per coordinator and replica, errors by operation', () => {
    const state = reading(COORDINATION_STATE).filter(
      groupedBy(['resilience_coordinator_name', 'service_instance_id']),
    );
    expect(state.length).toBeGreaterThan(0);
    const errors = reading(COORDINATION_ERRORS).filter(groupedBy(['resilience_coordination_operation']));
    expect(errors.length).toBeGreaterThan(0);
  });
});

describe('chaos injection on the dashboards (issue 11 §2): injected failures are never mistaken for real ones', () => {
  /** Selectors of the errors counter in `expr`, with their matchers on the injected label. */
  const injectedMatchers = (expr: string) =>
    analyzePromql(expr)
      .selectors.filter(s => s.metric === ERRORS)
      .map(s => s.matchers.filter(m => m.label === INJECTED));

  it.each(dashboards)('$fileName marks the time chaos injected faults with an annotation', ({ json }) => {
    const chaos = annotations(json).filter(a => analyzePromql(a.expr ?? '').selectors.length > 0);
    expect(chaos.map(a => a.name)).toEqual(['Chaos injection']);
    const [annotation] = chaos;
    expect(annotation).toMatchObject({ enable: true, datasource: TEMPLATED_DATASOURCE });
    const { selectors } = analyzePromql(annotation!.expr!);
    expect(selectors.map(s => s.metric)).toEqual([CHAOS_INJECTIONS]);
    expect(selectors[0]!.range).toBe('$__rate_interval');
    expect(selectors[0]!.matchers).toContainEqual({ label: 'service_name', op: '=~', value: '$service' });
    // Grafana turns the samples equal to 1 of a Prometheus annotation query into regions.
    expect(annotation!.expr).toMatch(/> bool 0$/);
    expect(annotation!.titleFormat).toContain('{{resilience_chaos_fault}}');
    expect(contractViolations(annotation!.expr!, names)).toEqual([]);
  });

  it('the overview shows chaos injections / s by fault', () => {
    const overview = dashboards.find(d => d.fileName === 'resilience-overview.json')!;
    const panel = dataPanels(overview.json).find(p => p.title === 'Chaos injections / s by fault');
    const expr = panel?.targets?.[0]?.expr ?? '';
    const { selectors, clauseLabels } = analyzePromql(expr);
    expect(selectors.map(s => s.metric)).toEqual([CHAOS_INJECTIONS]);
    expect(clauseLabels).toEqual(['resilience_chaos_fault']);
  });

  it('the overview tells real errors from injected ones', () => {
    const overview = dashboards.find(d => d.fileName === 'resilience-overview.json')!;
    const panel = dataPanels(overview.json).find(p => p.title === 'Errors / s: real vs injected');
    const matchers = (panel?.targets ?? []).map(t => injectedMatchers(t.expr ?? ''));
    expect(matchers).toEqual([
      [[{ label: INJECTED, op: '!=', value: 'true' }]],
      [[{ label: INJECTED, op: '=', value: 'true' }]],
    ]);
  });

  const withChaosVariable = dashboards.filter(d => variables(d.json).some(v => v.name === 'chaos'));

  it('the error aggregation dashboard has the chaos variable: include (default) or exclude injected failures', () => {
    expect(withChaosVariable.map(d => d.fileName)).toEqual(['error-aggregation.json']);
    const chaos = variables(withChaosVariable[0]!.json).find(v => v.name === 'chaos')!;
    expect(chaos).toMatchObject({
      type: 'custom',
      label: 'Injected failures',
      multi: false,
      includeAll: false,
    });
    const options = (chaos as { options?: { text: string; value: string }[] }).options;
    expect(options?.map(o => [o.text, o.value])).toEqual([
      ['include', 'none'],
      ['exclude', 'true'],
    ]);
    expect((chaos as { current?: { value: string } }).current?.value).toBe('none');
  });

  it('every errors panel of a dashboard with the chaos variable applies it (`!~"$chaos"`)', () => {
    for (const { fileName, json } of withChaosVariable) {
      const reading = dashboardTargets(json, fileName).filter(t => injectedMatchers(t.expr).length > 0);
      expect(reading.length, fileName).toBeGreaterThan(5);
      for (const t of reading)
        for (const matchers of injectedMatchers(t.expr))
          expect(matchers, t.source).toEqual([{ label: INJECTED, op: '!~', value: '$chaos' }]);
    }
  });
});

describe('resilience-overview.json: hedging (issue 11 §1)', () => {
  const overview = dashboards.find(d => d.fileName === 'resilience-overview.json')!;
  const targets = dashboardTargets(overview.json, overview.fileName).map(t => ({
    ...t,
    ...analyzePromql(t.expr),
  }));
  const reading = (metric: string) => targets.filter(t => t.selectors.some(s => s.metric === metric));

  it('shows hedges / s by result', () => {
    const byResult = reading(HEDGES).filter(t => t.clauseLabels.includes('resilience_hedge_result'));
    expect(byResult.map(t => t.source)).toEqual(['resilience-overview.json › Hedges / s by result › A']);
  });

  it('shows the p50 and p95 of the latency winning hedges saved', () => {
    const saved = reading(`${HEDGE_SAVED}_bucket`);
    expect(saved.map(t => /^histogram_quantile\((0\.\d+),/.exec(t.expr)?.[1])).toEqual(['0.5', '0.95']);
  });
});

describe('provisioned datasources', () => {
  it('link traces to metrics with queries on the telemetry contract', () => {
    expect(datasourceTargets.length).toBeGreaterThan(0);
    for (const q of datasourceTargets) expect(contractViolations(q.expr, names), q.source).toEqual([]);
  });
});

describe('dashboard PromQL syntax (target-promql-rule)', () => {
  const promtool = stackBinary('promtool');
  it.skipIf(promtool.skip)('every target expression parses with promtool', () => {
    requirePath(promtool);
    const result = checkPromqlSyntax(promtool, allTargets);
    expect(result.status, `${result.output}\n${result.legend}`).toBe(0);
  });

  it.skipIf(promtool.skip)('a broken expression is reported (the check is live)', () => {
    const result = checkPromqlSyntax(promtool, [
      { source: 'broken', expr: 'sum(rate(resilience_errors_total[1m])' },
    ]);
    expect(result.status).not.toBe(0);
  });
});
