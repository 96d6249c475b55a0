/** The PromQL reader and contract check behind the dashboard and rule lints. */
import { describe, expect, it } from 'vitest';
import { analyzePromql } from './promql.js';
import { contractViolations } from './promql-contract.js';
import { telemetryNames } from './telemetry-names.js';

describe('analyzePromql', () => {
  it('finds selectors with matchers, ranges and enclosing calls with their by-labels', () => {
    const { selectors, clauseLabels } = analyzePromql(
      'histogram_quantile(0.95, sum by (le, resilience_policy) (rate(resilience_call_duration_seconds_bucket{service_name=~"$service"}[$__rate_interval])))',
    );
    expect(selectors).toHaveLength(1);
    const [s] = selectors;
    expect(s).toMatchObject({
      metric: 'resilience_call_duration_seconds_bucket',
      matchers: [{ label: 'service_name', op: '=~', value: '$service' }],
      range: '$__rate_interval',
    });
    expect(s!.frames.map(f => f.fn)).toEqual(['rate', 'sum', 'histogram_quantile']);
    expect(s!.frames[1]!.grouping).toEqual({ keyword: 'by', labels: ['le', 'resilience_policy'] });
    expect(clauseLabels).toEqual(['le', 'resilience_policy']);
  });

  it('attaches a trailing by clause to the aggregation it follows', () => {
    const [s] = analyzePromql('sum(rate(a_total[5m])) by (le)').selectors;
    expect(s!.frames[1]).toEqual({ fn: 'sum', grouping: { keyword: 'by', labels: ['le'] } });
  });

  it('reads vector matching clauses and keywords without mistaking them for series', () => {
    const { selectors, clauseLabels } = analyzePromql(
      'a > 3 * b and on (service_name) c offset 5m or d * on (x) group_left e unless bool f',
    );
    expect(selectors.map(s => s.metric)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(clauseLabels).toEqual(['service_name', 'x']);
  });

  it('reports subquery ranges separately from selector ranges', () => {
    const { selectors, subqueries } = analyzePromql('max_over_time(sum(x)[1h:1m])');
    expect(selectors[0]!.range).toBeUndefined();
    expect(subqueries).toEqual([{ range: '1h:1m', frames: [{ fn: 'max_over_time' }] }]);
  });
});

describe('contractViolations', () => {
  const names = telemetryNames();

  it('accepts contract series, labels, closed values and recording rules', () => {
    const expr =
      'sum by (resilience_policy) (rate(resilience_call_duration_seconds_count{resilience_outcome=~"failure|rejected"}[5m])) / policy:resilience_calls:rate5m';
    expect(contractViolations(expr, names)).toEqual([]);
  });

  it('reports unknown series and labels, values outside closed sets, and le matchers', () => {
    expect(contractViolations('rate(resilience_error_total[5m])', names)).toEqual([
      'unknown series "resilience_error_total"',
    ]);
    expect(contractViolations('sum by (policy) (resilience_circuit_breaker_state)', names)).toEqual([
      'unknown label "policy" in a by/without/on/ignoring clause',
    ]);
    expect(
      contractViolations(
        'resilience_circuit_breaker_state{resilience_circuit_breaker_state=~"open|half-open"}',
        names,
      ),
    ).toEqual(['value "half-open" is not in the closed set of resilience_circuit_breaker_state']);
    expect(contractViolations('resilience_call_duration_seconds_bucket{le="1"}', names)).toEqual([
      'selects the bucket le="1" of resilience_call_duration_seconds_bucket',
    ]);
  });
});
