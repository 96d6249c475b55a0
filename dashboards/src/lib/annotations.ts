/**
 * Dashboard annotations every resilience dashboard carries: the time ranges in which chaos injection produced
 * faults, so a rehearsal is never read as an outage.
 */
import { AnnotationQueryBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { DATASOURCE, rate, SERVICE, sumBy } from './query.js';
import { CHAOS_INJECTIONS } from './series.js';

/**
 * "Chaos injection": a region per fault while it is injected. Grafana turns the samples equal to 1 of a
 * Prometheus annotation query into events (and runs of them into regions), hence `> bool 0`.
 */
export const chaosAnnotation = (): AnnotationQueryBuilder =>
  new AnnotationQueryBuilder()
    .name('Chaos injection')
    .datasource(DATASOURCE)
    .enable(true)
    .iconColor('purple')
    .expr(`${sumBy(['resilience_chaos_fault'], rate(CHAOS_INJECTIONS, [SERVICE]))} > bool 0`)
    .titleFormat('Chaos injection: {{resilience_chaos_fault}}')
    .textFormat(
      'Faults injected on purpose (a rehearsal, not an outage). Error panels can exclude them with the "Injected failures" variable; alerts count them.',
    )
    .tagKeys('resilience_chaos_fault');
