/**
 * Agent runs (GenAI): runs, tool calls and model calls — rates, durations, errors — run-level retries, streams
 * and the tokens failures cost.
 */
import { streamRows } from './agent-runs-streams.js';
import { buildDashboard, type DashboardSpec } from './lib/dashboard.js';
import type { Target } from './lib/panels.js';
import { stat, timeseries } from './lib/panels.js';
import {
  AGENT,
  AGENT_POLICY,
  orZero,
  quantile,
  rate,
  rateOfEither,
  SERVICE,
  share,
  sumBy,
} from './lib/query.js';
import {
  AGENT_RUNS,
  GEN_AI_AGENT_DURATION,
  GEN_AI_TOOL_DURATION,
  MODEL_CALL_DURATIONS,
  MODEL_CALLS,
  RETRIES,
  TOOL_CALLS,
} from './lib/series.js';
import { datasourceVariable, labelVariable, serviceVariable } from './lib/variables.js';

const SA = [SERVICE, AGENT];
const ERROR = 'error_type!=""';
const OK = 'error_type=""';

/** p50 / p95 / p99 targets of a duration histogram (or of either of its names). */
const percentiles = (histogram: string | readonly string[], matchers: readonly string[]): Target[] =>
  [0.5, 0.95, 0.99].map(q => ({ expr: quantile(q, histogram, matchers), legend: `p${Math.round(q * 100)}` }));

const spec = (): DashboardSpec => ({
  uid: 'agent-runs',
  title: 'Resilience / Agent runs',
  description:
    'GenAI view: agent runs (invoke_agent), tool calls (execute_tool) and model calls (chat…) — rates, durations and errors — plus retries of whole runs, streams (time to first chunk, stalls, broken streams) and tokens served or wasted on failures.',
  variables: [
    datasourceVariable(),
    serviceVariable(),
    labelVariable('agent', AGENT_RUNS, 'gen_ai_agent_name', [SERVICE]),
  ],
  rows: [
    {
      title: 'Runs',
      panels: [
        stat({
          title: 'Runs / s',
          description: 'Agent runs (invoke_agent) finished per second.',
          unit: 'reqps',
          span: 6,
          targets: [{ expr: sumBy([], rate(AGENT_RUNS, SA)) }],
        }),
        stat({
          title: 'Run error ratio',
          description: 'Share of agent runs that ended with an error (error.type set).',
          unit: 'percentunit',
          span: 6,
          thresholds: [0.01, 0.05],
          targets: [{ expr: share({ metric: AGENT_RUNS, matchers: SA, part: [ERROR] }) }],
        }),
        stat({
          title: 'p95 run duration',
          description: '95th percentile of agent run duration.',
          unit: 's',
          span: 6,
          targets: [{ expr: quantile(0.95, GEN_AI_AGENT_DURATION, SA) }],
        }),
        stat({
          title: 'Run retries / s',
          description: 'Retries of whole agent runs (run-level policies are named agent.<agentName>).',
          unit: 'ops',
          span: 6,
          targets: [{ expr: orZero(sumBy([], rate(RETRIES, [SERVICE, AGENT_POLICY]))) }],
        }),
        timeseries({
          title: 'Runs / s by agent and result',
          description:
            'Agent runs per second: successful ones per agent, failed ones per agent and error.type.',
          unit: 'reqps',
          span: 12,
          stack: true,
          targets: [
            {
              expr: sumBy(['gen_ai_agent_name'], rate(AGENT_RUNS, [...SA, OK])),
              legend: '{{gen_ai_agent_name}} ok',
            },
            {
              expr: sumBy(['gen_ai_agent_name', 'error_type'], rate(AGENT_RUNS, [...SA, ERROR])),
              legend: '{{gen_ai_agent_name}} {{error_type}}',
            },
          ],
        }),
        timeseries({
          title: 'Run duration percentiles',
          description: 'p50, p95 and p99 of agent run duration.',
          unit: 's',
          span: 12,
          targets: percentiles(GEN_AI_AGENT_DURATION, SA),
        }),
        timeseries({
          title: 'Run-level retries / s by category',
          description: 'Retries of whole agent runs by agent policy and the error category that caused them.',
          unit: 'ops',
          span: 24,
          targets: [
            {
              expr: sumBy(
                ['resilience_policy', 'resilience_error_category'],
                rate(RETRIES, [SERVICE, AGENT_POLICY]),
              ),
              legend: '{{resilience_policy}} {{resilience_error_category}}',
            },
          ],
        }),
      ],
    },
    {
      title: 'Tool calls',
      panels: [
        timeseries({
          title: 'Tool calls / s by tool',
          description: 'Tool executions (execute_tool) per second, within runs of the selected agents.',
          unit: 'reqps',
          span: 8,
          targets: [
            { expr: sumBy(['gen_ai_tool_name'], rate(TOOL_CALLS, SA)), legend: '{{gen_ai_tool_name}}' },
          ],
        }),
        timeseries({
          title: 'Tool errors / s',
          description: 'Failed tool executions per second by tool and error.type.',
          unit: 'reqps',
          span: 8,
          targets: [
            {
              expr: sumBy(['gen_ai_tool_name', 'error_type'], rate(TOOL_CALLS, [...SA, ERROR])),
              legend: '{{gen_ai_tool_name}} {{error_type}}',
            },
          ],
        }),
        timeseries({
          title: 'p95 tool duration by tool',
          description: '95th percentile of tool execution duration per tool.',
          unit: 's',
          span: 8,
          targets: [
            {
              expr: quantile(0.95, GEN_AI_TOOL_DURATION, SA, ['gen_ai_tool_name']),
              legend: '{{gen_ai_tool_name}}',
            },
          ],
        }),
      ],
    },
    {
      title: 'Model calls',
      panels: [
        timeseries({
          title: 'Model calls / s by model',
          description:
            'GenAI model calls per second by provider and requested model, under either GenAI duration name (gen_ai.client.operation.duration, or gen_ai.client.inference.duration with OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental). Not filtered by agent: model-call metrics carry no agent name.',
          unit: 'reqps',
          span: 8,
          targets: [
            {
              expr: sumBy(
                ['gen_ai_provider_name', 'gen_ai_request_model'],
                rateOfEither(MODEL_CALLS, [SERVICE]),
              ),
              legend: '{{gen_ai_provider_name}} {{gen_ai_request_model}}',
            },
          ],
        }),
        timeseries({
          title: 'Model call errors / s',
          description: 'Failed model calls per second by model and error.type (not filtered by agent).',
          unit: 'reqps',
          span: 8,
          targets: [
            {
              expr: sumBy(
                ['gen_ai_request_model', 'error_type'],
                rateOfEither(MODEL_CALLS, [SERVICE, ERROR]),
              ),
              legend: '{{gen_ai_request_model}} {{error_type}}',
            },
          ],
        }),
        timeseries({
          title: 'Model call duration percentiles',
          description:
            'p50, p95 and p99 of model call duration under either GenAI duration name (not filtered by agent).',
          unit: 's',
          span: 8,
          targets: percentiles(MODEL_CALL_DURATIONS, [SERVICE]),
        }),
      ],
    },
    ...streamRows(),
  ],
});

export const agentRuns = () => buildDashboard(spec());
