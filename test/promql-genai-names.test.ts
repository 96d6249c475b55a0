/**
 * Issue 9 §3: model calls report their duration as `gen_ai.client.operation.duration`, or as
 * `gen_ai.client.inference.duration` with `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`. The
 * agent-runs dashboard's model-call panels must show the same numbers under either name, add up a fleet where
 * processes differ, and never count a call twice. Evaluated by promtool (`promtool test rules` with
 * `promql_expr_test`) on the committed panel expressions.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { renderDashboards } from '../dashboards/src/index.js';
import { type DashboardJson, dashboardTargets } from './dashboard-json.js';
import { substituteGrafanaVariables } from './promtool-check.js';
import { requirePath, run, stackBinary } from './stack-binaries.js';

const promtool = stackBinary('promtool');
const OLD = 'gen_ai_client_operation_duration_seconds';
const NEW = 'gen_ai_client_inference_duration_seconds';

const agentRuns = renderDashboards().find(d => d.fileName === 'agent-runs.json')!;
const targets = dashboardTargets(JSON.parse(agentRuns.json) as DashboardJson, agentRuns.fileName);
/** A panel's target as plain PromQL over 5 m windows, for every service. */
function panelExpr(title: string, refId = 'A'): string {
  const target = targets.find(t => t.source === `agent-runs.json › ${title} › ${refId}`);
  if (target === undefined) throw new Error(`no target ${refId} in panel "${title}"`);
  return substituteGrafanaVariables(target.expr, {
    rateInterval: '5m',
    interval: '1m',
    range: '1h',
    tags: '',
    variable: '.+',
  });
}
const CALLS_PER_SECOND = panelExpr('Model calls / s by model');
const P50 = panelExpr('Model call duration percentiles');

interface Series {
  readonly series: string;
  readonly values: string;
}

/**
 * One process's model calls under histogram `name`: 1 call/s of gpt-4o, each between 0.16 s and 0.32 s (so the
 * p50 interpolates to 0.24 s).
 */
function modelCalls(name: string, instance: string): Series[] {
  const labels = `service_name="support-agent", instance="${instance}", gen_ai_operation_name="chat", gen_ai_provider_name="openai", gen_ai_request_model="gpt-4o"`;
  return [
    { series: `${name}_count{${labels}}`, values: '0+60x20' },
    { series: `${name}_bucket{${labels}, le="0.16"}`, values: '0x20' },
    { series: `${name}_bucket{${labels}, le="0.32"}`, values: '0+60x20' },
    { series: `${name}_bucket{${labels}, le="+Inf"}`, values: '0+60x20' },
  ];
}

/** Runs promtool over `series`, expecting `callsPerSecond` calls/s of gpt-4o with a p50 of 0.24 s. */
function evaluate(series: readonly Series[], callsPerSecond: number) {
  const dir = mkdtempSync(join(tmpdir(), 'promql-genai-'));
  try {
    const file = join(dir, 'test.yaml');
    const test = {
      rule_files: [],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: series,
          promql_expr_test: [
            {
              expr: CALLS_PER_SECOND,
              eval_time: '10m',
              exp_samples: [
                {
                  labels: '{gen_ai_provider_name="openai", gen_ai_request_model="gpt-4o"}',
                  value: callsPerSecond,
                },
              ],
            },
            { expr: P50, eval_time: '10m', exp_samples: [{ labels: '{}', value: 0.24 }] },
          ],
        },
      ],
    };
    writeFileSync(file, stringify(test));
    return run(promtool, ['test', 'rules', file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(promtool.skip)('model-call panels under either GenAI duration name', () => {
  it('read both names', () => {
    requirePath(promtool);
    expect(CALLS_PER_SECOND).toContain(OLD);
    expect(CALLS_PER_SECOND).toContain(NEW);
  });

  it.each([
    ['the current name only', modelCalls(OLD, 'a'), 1],
    ['the newest name only (the opt-in)', modelCalls(NEW, 'a'), 1],
    [
      'a fleet where one process opted in and one did not',
      [...modelCalls(OLD, 'a'), ...modelCalls(NEW, 'b')],
      2,
    ],
    ['one process reporting both names: counted once', [...modelCalls(OLD, 'a'), ...modelCalls(NEW, 'a')], 1],
  ])('%s', (_, series, callsPerSecond) => {
    const result = evaluate(series, callsPerSecond);
    expect(result.status, result.output).toBe(0);
  });

  it('the check is live: a wrong expectation fails', () => {
    const result = evaluate(modelCalls(NEW, 'a'), 3);
    expect(result.status).not.toBe(0);
  });
});
