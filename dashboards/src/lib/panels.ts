/**
 * Panel factories: every panel gets a title, a description, a unit, the templated datasource, explicit refIds
 * and an explicit size, so the dashboard files only say what to show.
 */

import { PanelBuilder as BarGaugePanel } from '@grafana/grafana-foundation-sdk/bargauge';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import {
  BarGaugeDisplayMode,
  BigValueColorMode,
  BigValueGraphMode,
  GraphDrawStyle,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  SortOrder,
  StackingConfigBuilder,
  StackingMode,
  TooltipDisplayMode,
  VisibilityMode,
  VizLegendOptionsBuilder,
  VizOrientation,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import type { Threshold } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  MappingType,
  ThresholdsConfigBuilder,
  ThresholdsMode,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelinePanel } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { DATASOURCE } from './query.js';

/** One PromQL query of a panel. */
export interface Target {
  readonly expr: string;
  readonly legend?: string;
}

export interface PanelOptions {
  readonly title: string;
  readonly description: string;
  /** A Grafana unit id (`@grafana/grafana-foundation-sdk/units`). */
  readonly unit: string;
  readonly targets: readonly Target[];
  /** Width in grid columns (of 24). */
  readonly span: number;
  readonly height?: number;
  /** Values from which the colour turns orange, then red. */
  readonly thresholds?: readonly number[];
  readonly decimals?: number;
}

/** The methods every panel builder shares. */
interface CommonPanel<T> {
  title(title: string): T;
  description(description: string): T;
  datasource(datasource: DataSourceRef): T;
  unit(unit: string): T;
  height(h: number): T;
  span(w: number): T;
  decimals(decimals: number): T;
  withTarget(target: DataqueryBuilder): T;
}

const THRESHOLD_COLORS = ['orange', 'red'];

function thresholdSteps(values: readonly number[]): Threshold[] {
  return [
    { value: null, color: 'green' },
    ...values.map((value, i) => ({ value, color: THRESHOLD_COLORS[i] ?? 'red' })),
  ];
}

/** How a panel's queries run. */
type QueryKind = 'range' | 'instant' | 'table';

/** Query builders with explicit refIds A, B, C… (the SDK does not set them). */
function queries(targets: readonly Target[], kind: QueryKind): DataqueryBuilder[] {
  return targets.map((target, i) => {
    const query = new DataqueryBuilder()
      .datasource(DATASOURCE)
      .expr(target.expr)
      .refId(String.fromCharCode(65 + i))
      .legendFormat(target.legend ?? '__auto');
    if (kind === 'range') return query.range();
    return kind === 'table' ? query.instant().format(PromQueryFormat.Table) : query.instant();
  });
}

function common<T extends CommonPanel<T>>(
  panel: T,
  o: PanelOptions,
  defaultHeight: number,
  kind: QueryKind = 'range',
): T {
  let p = panel
    .title(o.title)
    .description(o.description)
    .datasource(DATASOURCE)
    .unit(o.unit)
    .height(o.height ?? defaultHeight)
    .span(o.span);
  if (o.decimals !== undefined) p = p.decimals(o.decimals);
  for (const query of queries(o.targets, kind)) p = p.withTarget(query);
  return p;
}

const thresholds = (values: readonly number[]) =>
  new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(thresholdSteps(values));

export interface TimeseriesOptions extends PanelOptions {
  readonly stack?: boolean;
  readonly bars?: boolean;
  readonly min?: number;
  readonly max?: number;
}

/** A time series with a visible legend and a shared tooltip; thresholds are drawn as dashed lines. */
export function timeseries(o: TimeseriesOptions): TimeseriesPanel {
  let p = common(new TimeseriesPanel(), o, 8)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom),
    )
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending))
    .fillOpacity(o.stack === true || o.bars === true ? 60 : 10)
    .drawStyle(o.bars === true ? GraphDrawStyle.Bars : GraphDrawStyle.Line)
    .stacking(new StackingConfigBuilder().mode(o.stack === true ? StackingMode.Normal : StackingMode.None));
  if (o.min !== undefined) p = p.min(o.min);
  if (o.max !== undefined) p = p.max(o.max);
  if (o.thresholds !== undefined) {
    p = p
      .thresholds(thresholds(o.thresholds))
      .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
  }
  return p;
}

/** A single big number: the last value of an instant query. */
export function stat(o: PanelOptions): StatPanel {
  return common(new StatPanel(), o, 4, 'instant')
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .graphMode(BigValueGraphMode.None)
    .colorMode(o.thresholds === undefined ? BigValueColorMode.None : BigValueColorMode.Background)
    .thresholds(thresholds(o.thresholds ?? []));
}

/** A value of a state timeline and how it is shown. */
export interface StateMapping {
  readonly value: number;
  readonly text: string;
  readonly color: string;
}

/** A state timeline over values encoded by `oneHotStateIndex`. */
export function stateTimeline(
  o: PanelOptions & { readonly states: readonly StateMapping[] },
): StateTimelinePanel {
  const options: Record<string, { text: string; color: string; index: number }> = {};
  o.states.forEach((s, index) => {
    options[String(s.value)] = { text: s.text, color: s.color, index };
  });
  return common(new StateTimelinePanel(), o, 8)
    .mappings([{ type: MappingType.ValueToText, options }])
    .mergeValues(true)
    .showValue(VisibilityMode.Auto)
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List));
}

/** A table of an instant query over the selected range, without the time column. */
export function table(o: PanelOptions): TablePanel {
  return common(new TablePanel(), o, 8, 'table').withTransformation({
    id: 'organize',
    options: { excludeByName: { Time: true } },
  });
}

/** Horizontal bars, one per series, of an instant query. */
export function barGauge(o: PanelOptions & { readonly max?: number }): BarGaugePanel {
  let p = common(new BarGaugePanel(), o, 8, 'instant')
    .orientation(VizOrientation.Horizontal)
    .displayMode(BarGaugeDisplayMode.Gradient)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']))
    .thresholds(thresholds(o.thresholds ?? []))
    .min(0);
  if (o.max !== undefined) p = p.max(o.max);
  return p;
}
