/**
 * Offline PromQL syntax check: writes expressions as recording rules into a temporary rules file and runs
 * `promtool check rules` on it. Grafana variables are replaced by values of the right type first.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type RunResult, run, type StackBinary } from './stack-binaries.js';

export interface NamedExpression {
  /** Where the expression comes from, for the failure message. */
  readonly source: string;
  readonly expr: string;
}

/** Values for Grafana's macros and template variables (durations in PromQL syntax). */
export interface GrafanaValues {
  readonly rateInterval: string;
  readonly interval: string;
  readonly range: string;
  /** Replaces `$__tags` (a list of label matchers) in trace-to-metrics queries. */
  readonly tags: string;
  /** Replaces every template variable (`$service`, `${policy}`…): a regex, e.g. a variable's "All" value. */
  readonly variable: string;
}

const SYNTAX_CHECK_VALUES: GrafanaValues = {
  rateInterval: '1m',
  interval: '1m',
  range: '1h',
  tags: 'service_name="example"',
  variable: '.*',
};

/** Replaces Grafana's macros and template variables so that the expression is plain PromQL. */
export function substituteGrafanaVariables(
  expr: string,
  values: GrafanaValues = SYNTAX_CHECK_VALUES,
): string {
  return expr
    .replaceAll('$__rate_interval', values.rateInterval)
    .replaceAll('$__interval', values.interval)
    .replaceAll('$__range', values.range)
    .replaceAll('$__tags', values.tags)
    .replace(/\$\{\w+\}|\$\w+/g, values.variable);
}

/** Runs `promtool check rules` over all expressions at once; on failure the output names the bad rule. */
export function checkPromqlSyntax(
  promtool: StackBinary,
  expressions: readonly NamedExpression[],
): RunResult & {
  readonly legend: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'promql-check-'));
  try {
    const rules = expressions.map((e, i) => ({
      record: `check:expression:${i}`,
      expr: substituteGrafanaVariables(e.expr),
    }));
    const file = join(dir, 'expressions.yaml');
    writeFileSync(file, stringify({ groups: [{ name: 'expressions', rules }] }));
    const result = run(promtool, ['check', 'rules', '--lint=none', file]);
    const legend = expressions.map((e, i) => `check:expression:${i} = ${e.source}`).join('\n');
    return { ...result, legend };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
