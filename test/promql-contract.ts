/**
 * Checks a PromQL expression against the telemetry contract: every series, label and closed label value it
 * names must exist (see `telemetry-names.ts`), and no expression may select a histogram bucket by `le`
 * (Prometheus 3 normalises `le` values, so `le="1"` silently stops matching). Returns readable violations.
 */
import { analyzePromql } from './promql.js';
import type { TelemetryNames } from './telemetry-names.js';

/** Literal alternatives of a simple regex like `failure|rejected`; undefined for anything fancier. */
function literalAlternatives(regex: string): string[] | undefined {
  return /^[a-zA-Z0-9_-]+(\|[a-zA-Z0-9_-]+)*$/.test(regex) ? regex.split('|') : undefined;
}

export function contractViolations(expr: string, names: TelemetryNames): string[] {
  const problems: string[] = [];
  const { selectors, clauseLabels } = analyzePromql(expr);
  const checkLabel = (label: string, where: string) => {
    if (!names.labels.has(label)) problems.push(`unknown label "${label}" ${where}`);
  };
  for (const selector of selectors) {
    if (!names.series.has(selector.metric)) problems.push(`unknown series "${selector.metric}"`);
    for (const m of selector.matchers) {
      checkLabel(m.label, `in a matcher of ${selector.metric}`);
      if (m.label === 'le')
        problems.push(`selects the bucket ${m.label}${m.op}"${m.value}" of ${selector.metric}`);
      const allowed = names.labelValues.get(m.label);
      if (allowed === undefined || m.value.includes('$')) continue;
      const values = m.op === '=' || m.op === '!=' ? [m.value] : literalAlternatives(m.value);
      for (const value of values ?? []) {
        if (!allowed.has(value)) problems.push(`value "${value}" is not in the closed set of ${m.label}`);
      }
    }
  }
  for (const label of clauseLabels) checkLabel(label, 'in a by/without/on/ignoring clause');
  return problems;
}
