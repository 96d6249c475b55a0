/**
 * Builds one dashboard from rows of panels with the settings all dashboards share: fixed uid, tags, read-only,
 * shared crosshair, links to the other resilience dashboards, 30 s refresh, the chaos-injection annotation, and
 * stable panel ids.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  type Dashboard,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  RowBuilder,
  type VariableModel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { chaosAnnotation } from './annotations.js';

/** Tag of every generated dashboard; the dashboard links list the dashboards carrying it. */
export const DASHBOARD_TAG = 'agent-resilience';

export interface Row {
  readonly title: string;
  readonly panels: readonly cog.Builder<Panel>[];
}

export interface DashboardSpec {
  /** Fixed uid; also the JSON file name. */
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly variables: readonly cog.Builder<VariableModel>[];
  readonly rows: readonly Row[];
}

export function buildDashboard(spec: DashboardSpec): Dashboard {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([DASHBOARD_TAG, 'generated'])
    .readonly()
    .timezone('browser')
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .link(
      new DashboardLinkBuilder('Resilience dashboards')
        .type(DashboardLinkType.Dashboards)
        .tags([DASHBOARD_TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    )
    .annotation(chaosAnnotation());
  for (const variable of spec.variables) builder.withVariable(variable);
  for (const row of spec.rows) {
    builder.withRow(new RowBuilder(row.title));
    for (const panel of row.panels) builder.withPanel(panel);
  }
  const dashboard = builder.build();
  // Stable ids in layout order: Grafana links (`viewPanel=<id>`) and provisioning diffs rely on them.
  dashboard.panels?.forEach((panel, index) => {
    panel.id = index + 1;
  });
  return dashboard;
}
