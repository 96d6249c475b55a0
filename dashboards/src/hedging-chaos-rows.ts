/**
 * Rows of the overview for issue 11: hedging (hedges by result, the extra requests they cost, the latency winning
 * hedges saved) and chaos injection (injections by fault, real vs injected errors), rehearsals that every dashboard
 * also marks with the chaos annotation (lib/annotations.ts).
 */
import type { Row } from './lib/dashboard.js';
import { timeseries } from './lib/panels.js';
import {
  INJECTED,
  NOT_CANCELLED,
  NOT_INJECTED,
  orZero,
  quantile,
  rate,
  SERVICE_POLICY,
  sumBy,
} from './lib/query.js';
import { CALLS, CHAOS_INJECTIONS, ERRORS, HEDGE_SAVED, HEDGES } from './lib/series.js';

const CALLS_COUNTED = [...SERVICE_POLICY, NOT_CANCELLED];
const NOT_CANCELLED_ERROR = 'resilience_error_category!="cancelled"';
/** Hedges actually sent (a denied hedge never left). */
const SENT_HEDGES = [...SERVICE_POLICY, 'resilience_hedge_result=~"won|lost"'];

/** Hedging: what it costs (extra requests) and what it buys (latency saved). */
export const hedgingRow = (): Row => ({
  title: 'Hedging',
  panels: [
    timeseries({
      title: 'Hedges / s by result',
      description:
        'Hedged attempts (a second request started while the first had not answered or sent its first chunk): won (its answer was used), lost (aborted when another attempt won) or denied (not started: retry budget empty, breaker open, admission refused).',
      unit: 'ops',
      span: 8,
      stack: true,
      targets: [
        {
          expr: sumBy(['resilience_hedge_result'], rate(HEDGES, SERVICE_POLICY)),
          legend: '{{resilience_hedge_result}}',
        },
      ],
    }),
    timeseries({
      title: 'Extra requests from hedging',
      description:
        'Hedges sent (won or lost) per logical call: the extra load hedging puts on the downstreams, to weigh against the latency it saves.',
      unit: 'percentunit',
      span: 8,
      min: 0,
      targets: [
        {
          expr: `(${orZero(sumBy([], rate(HEDGES, SENT_HEDGES)))}) / ${sumBy([], rate(CALLS, CALLS_COUNTED))}`,
          legend: 'hedges per call',
        },
      ],
    }),
    timeseries({
      title: 'Latency saved by winning hedges',
      description:
        "p50 and p95 of the latency a winning hedge saved: the original attempt's expected time to answer minus the time it had run when the hedge won (a conservative estimate: the original is aborted).",
      unit: 's',
      span: 8,
      min: 0,
      targets: [
        { expr: quantile(0.5, HEDGE_SAVED, SERVICE_POLICY), legend: 'p50' },
        { expr: quantile(0.95, HEDGE_SAVED, SERVICE_POLICY), legend: 'p95' },
      ],
    }),
  ],
});

/** Chaos injection: how much is injected, and the errors it causes next to the real ones. */
export const chaosRow = (): Row => ({
  title: 'Chaos injection (rehearsals)',
  panels: [
    timeseries({
      title: 'Chaos injections / s by fault',
      description:
        'Faults chaos injection produced on purpose (a game day or a test), by fault: rehearsals, never real failures. Every dashboard marks these times with the "Chaos injection" annotation; the failures they cause carry resilience_chaos_injected="true" and still count for the alerts.',
      unit: 'ops',
      span: 12,
      stack: true,
      targets: [
        {
          expr: sumBy(['resilience_chaos_fault'], rate(CHAOS_INJECTIONS, SERVICE_POLICY)),
          legend: '{{resilience_chaos_fault}}',
        },
      ],
    }),
    timeseries({
      title: 'Errors / s: real vs injected',
      description:
        'Classified errors per second (cancellations excluded) that real downstreams produced, next to those chaos injection produced. The Error aggregation dashboard can leave the injected ones out of every panel.',
      unit: 'ops',
      span: 12,
      targets: [
        {
          expr: sumBy([], rate(ERRORS, [...SERVICE_POLICY, NOT_CANCELLED_ERROR, NOT_INJECTED])),
          legend: 'real',
        },
        {
          expr: sumBy([], rate(ERRORS, [...SERVICE_POLICY, NOT_CANCELLED_ERROR, INJECTED])),
          legend: 'injected (chaos)',
        },
      ],
    }),
  ],
});
