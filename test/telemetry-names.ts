/**
 * The Prometheus names dashboards and alert rules may use, derived from the telemetry contract
 * (`sdk/src/semconv.ts`) with the same OTel → Prometheus translation the Collector applies
 * (`sdk/src/otel/prometheus-naming.ts`), plus the labels Prometheus and the Collector add and the recording
 * rules of `dashboards/prometheus/rules/`. Shared by the dashboard and rule tests; not a test itself.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { prometheusLabelName, prometheusMetricName } from '../sdk/src/otel/prometheus-naming.js';
import {
  ADMISSIONS,
  ATTEMPT_KINDS,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_RESILIENCE_ADMISSION,
  ATTR_RESILIENCE_ATTEMPT_KIND,
  ATTR_RESILIENCE_BATCH_DECISION_REASON,
  ATTR_RESILIENCE_BATCH_ITEM_OUTCOME,
  ATTR_RESILIENCE_CHAOS_FAULT,
  ATTR_RESILIENCE_CHAOS_INJECTED,
  ATTR_RESILIENCE_CIRCUIT_BREAKER_PREVIOUS_STATE,
  ATTR_RESILIENCE_CIRCUIT_BREAKER_STATE,
  ATTR_RESILIENCE_COORDINATION_OPERATION,
  ATTR_RESILIENCE_COORDINATION_STATE,
  ATTR_RESILIENCE_ERROR_CATEGORY,
  ATTR_RESILIENCE_ERROR_RETRYABLE,
  ATTR_RESILIENCE_ERROR_SEVERITY,
  ATTR_RESILIENCE_FALLBACK_KIND,
  ATTR_RESILIENCE_FRAMEWORK,
  ATTR_RESILIENCE_HEALTH_CHECK_RESULT,
  ATTR_RESILIENCE_HEDGE_RESULT,
  ATTR_RESILIENCE_OUTCOME,
  ATTR_RESILIENCE_RECOVERY_STATE,
  ATTR_RESILIENCE_RETRY_DELAY_SOURCE,
  ATTR_RESILIENCE_RETRY_REASON,
  ATTR_RESILIENCE_STRATEGY,
  ATTR_RESILIENCE_STREAM_COMMITTED,
  ATTR_RESILIENCE_TIMEOUT_KIND,
  ATTR_RESILIENCE_TOKEN_KIND,
  BATCH_DECISION_REASONS,
  BATCH_ITEM_OUTCOMES,
  CHAOS_FAULTS,
  CIRCUIT_STATES,
  COORDINATION_OPERATIONS,
  COORDINATION_STATES,
  ERROR_CATEGORIES,
  FALLBACK_KINDS,
  FRAMEWORKS,
  GEN_AI_TOKEN_TYPES,
  HEALTH_CHECK_RESULTS,
  HEDGE_RESULTS,
  METRICS,
  OUTCOMES,
  RECOVERY_STATES,
  RETRY_DELAY_SOURCES,
  RETRY_REASONS,
  SEVERITIES,
  STRATEGIES,
  TIMEOUT_KINDS,
  TOKEN_KINDS,
} from '../sdk/src/semconv.js';

/** Repository root (this file lives in `test/`). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Directory of the Prometheus rule files and their promtool tests. */
export const RULES_DIR = join(REPO_ROOT, 'dashboards/prometheus/rules');

/**
 * Labels every scraped series has besides its attributes: the promoted resource attributes service.name and
 * service.instance.id (the replica), and the scrape target.
 */
export const INFRASTRUCTURE_LABELS = ['service_name', 'service_instance_id', 'job', 'instance'] as const;

/** Series names per contract metric: `_total` counters, plain gauges, histogram `_bucket`/`_sum`/`_count`. */
export function contractSeriesNames(): Set<string> {
  const names = new Set<string>();
  for (const metric of Object.values(METRICS)) {
    const base = prometheusMetricName(metric.name, metric.unit, metric.kind);
    if (metric.kind === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(base + suffix);
    else names.add(base);
  }
  return names;
}

/** Label names: every attribute of every metric, the infrastructure labels, and `le` of histogram buckets. */
export function contractLabelNames(): Set<string> {
  const labels = new Set<string>([...INFRASTRUCTURE_LABELS, 'le']);
  for (const metric of Object.values(METRICS))
    for (const key of metric.attributes) labels.add(prometheusLabelName(key));
  return labels;
}

/** Closed value sets of labels whose attribute values come from an enum of `semconv.ts`. */
export function closedLabelValues(): Map<string, ReadonlySet<string>> {
  const sets: [string, readonly string[]][] = [
    [ATTR_RESILIENCE_OUTCOME, OUTCOMES],
    [ATTR_RESILIENCE_STRATEGY, STRATEGIES],
    [ATTR_RESILIENCE_ERROR_CATEGORY, ERROR_CATEGORIES],
    [ATTR_RESILIENCE_ERROR_SEVERITY, SEVERITIES],
    [ATTR_RESILIENCE_ERROR_RETRYABLE, ['true', 'false']],
    [ATTR_RESILIENCE_ATTEMPT_KIND, ATTEMPT_KINDS],
    [ATTR_RESILIENCE_CIRCUIT_BREAKER_STATE, CIRCUIT_STATES],
    [ATTR_RESILIENCE_CIRCUIT_BREAKER_PREVIOUS_STATE, CIRCUIT_STATES],
    [ATTR_RESILIENCE_RETRY_REASON, RETRY_REASONS],
    [ATTR_RESILIENCE_RETRY_DELAY_SOURCE, RETRY_DELAY_SOURCES],
    [ATTR_RESILIENCE_FALLBACK_KIND, FALLBACK_KINDS],
    [ATTR_RESILIENCE_TIMEOUT_KIND, TIMEOUT_KINDS],
    [ATTR_RESILIENCE_RECOVERY_STATE, RECOVERY_STATES],
    [ATTR_RESILIENCE_ADMISSION, ADMISSIONS],
    [ATTR_RESILIENCE_HEALTH_CHECK_RESULT, HEALTH_CHECK_RESULTS],
    [ATTR_RESILIENCE_BATCH_ITEM_OUTCOME, BATCH_ITEM_OUTCOMES],
    [ATTR_RESILIENCE_BATCH_DECISION_REASON, BATCH_DECISION_REASONS],
    [ATTR_RESILIENCE_TOKEN_KIND, TOKEN_KINDS],
    [ATTR_GEN_AI_TOKEN_TYPE, GEN_AI_TOKEN_TYPES],
    [ATTR_RESILIENCE_STREAM_COMMITTED, ['true', 'false']],
    [ATTR_RESILIENCE_FRAMEWORK, FRAMEWORKS],
    [ATTR_RESILIENCE_COORDINATION_STATE, COORDINATION_STATES],
    [ATTR_RESILIENCE_COORDINATION_OPERATION, COORDINATION_OPERATIONS],
    [ATTR_RESILIENCE_HEDGE_RESULT, HEDGE_RESULTS],
    [ATTR_RESILIENCE_CHAOS_FAULT, CHAOS_FAULTS],
    [ATTR_RESILIENCE_CHAOS_INJECTED, ['true']],
  ];
  return new Map(sets.map(([key, values]) => [prometheusLabelName(key), new Set(values)]));
}

/** Rule files (not their `*.test.yaml` promtool tests), as paths relative to {@link RULES_DIR}. */
export function ruleFileNames(): string[] {
  return readdirSync(RULES_DIR)
    .filter(f => f.endsWith('.yaml') && !f.endsWith('.test.yaml'))
    .sort();
}

/** Names of the recording rules defined in the rule files. */
export function recordingRuleNames(): Set<string> {
  const names = new Set<string>();
  for (const file of ruleFileNames()) {
    const doc = parse(readFileSync(join(RULES_DIR, file), 'utf8')) as {
      groups?: { rules?: { record?: string }[] }[];
    };
    for (const group of doc.groups ?? [])
      for (const rule of group.rules ?? []) if (rule.record) names.add(rule.record);
  }
  return names;
}

/** Everything a dashboard or rule may query. */
export interface TelemetryNames {
  readonly series: ReadonlySet<string>;
  readonly labels: ReadonlySet<string>;
  readonly labelValues: ReadonlyMap<string, ReadonlySet<string>>;
}

export function telemetryNames(): TelemetryNames {
  return {
    series: new Set([...contractSeriesNames(), ...recordingRuleNames()]),
    labels: contractLabelNames(),
    labelValues: closedLabelValues(),
  };
}
