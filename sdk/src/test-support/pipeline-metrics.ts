/**
 * Metrics equal the events the test observed (issue 8 §4): calls by outcome, attempts (runs of `fn`), rejections
 * by strategy, retries, fallbacks by kind, timeouts by kind. Read from the real OTel SDK with in-memory exporters.
 */
import { CallRejectedError, RetriesExhaustedError } from '../index.js';
import {
  ATTR_RESILIENCE_FALLBACK_KIND,
  ATTR_RESILIENCE_OUTCOME,
  ATTR_RESILIENCE_STRATEGY,
  ATTR_RESILIENCE_TIMEOUT_KIND,
  METRIC_ATTEMPT_DURATION,
  METRIC_CALL_DURATION,
  METRIC_FALLBACKS,
  METRIC_REJECTIONS,
  METRIC_RETRIES,
  METRIC_TIMEOUTS,
} from '../semconv.js';
import type { TestTelemetry } from './otel.js';
import { finalErrors, type Observation } from './pipeline-invariants.js';
import { outcomeLabel, resultText, runEnd } from './run-verdicts.js';

const tally = (labels: readonly string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const label of [...labels].sort()) out[label] = (out[label] ?? 0) + 1;
  return out;
};

/** What the test observed, in the shape of the metrics. */
function observed(o: Observation): Record<string, Record<string, number>> {
  const rejections = finalErrors(o).flatMap(e => {
    if (CallRejectedError.isInstance(e) && e.strategy !== undefined) return [e.strategy];
    if (RetriesExhaustedError.isInstance(e) && e.reason === 'budget_exhausted') return ['retry_budget'];
    return [];
  });
  const timeouts = o.runs.flatMap(r => {
    const end = runEnd(r);
    return end?.by === 'timeout' ? [end.kind] : [];
  });
  return {
    calls: tally(o.calls.map(outcomeLabel)),
    attempts: { all: o.runs.length },
    rejections: tally(rejections),
    retries: { all: o.calls.reduce((sum, c) => sum + c.retries, 0) },
    fallbacks: tally(o.calls.map(resultText).flatMap(t => /^fallback\((\w+)\)/.exec(t)?.[1] ?? [])),
    timeouts: tally(timeouts),
  };
}

async function byAttribute(otel: TestTelemetry, metric: string, attribute: string) {
  const out: Record<string, number> = {};
  const points = await otel.points(metric);
  for (const p of [...points].sort((a, b) =>
    String(a.attributes[attribute]).localeCompare(String(b.attributes[attribute])),
  )) {
    if (p.value === 0) continue;
    const label = String(p.attributes[attribute]);
    out[label] = (out[label] ?? 0) + p.value;
  }
  return out;
}

/** Compares the metrics the run recorded with what it observed. */
export async function checkMetrics(o: Observation, otel: TestTelemetry): Promise<string[]> {
  const total = async (metric: string) => ({ all: await otel.total(metric) });
  const recorded: Record<string, Record<string, number>> = {
    calls: await byAttribute(otel, METRIC_CALL_DURATION, ATTR_RESILIENCE_OUTCOME),
    attempts: await total(METRIC_ATTEMPT_DURATION),
    rejections: await byAttribute(otel, METRIC_REJECTIONS, ATTR_RESILIENCE_STRATEGY),
    retries: await total(METRIC_RETRIES),
    fallbacks: await byAttribute(otel, METRIC_FALLBACKS, ATTR_RESILIENCE_FALLBACK_KIND),
    timeouts: await byAttribute(otel, METRIC_TIMEOUTS, ATTR_RESILIENCE_TIMEOUT_KIND),
  };
  const seen = observed(o);
  return Object.keys(seen).flatMap(name => {
    const a = JSON.stringify(recorded[name]);
    const b = JSON.stringify(seen[name]);
    return a === b ? [] : [`metric ${name}: recorded ${a}, observed ${b}`];
  });
}
