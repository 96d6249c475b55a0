/**
 * The parts of Grafana dashboard JSON (schemaVersion 42) the lint tests read, and helpers to walk it.
 * Generated dashboards are read as plain JSON: the foundation SDK's `Dashboard` type and `@grafana/schema`'s do
 * not agree, and the JSON files are what Grafana loads.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface DatasourceRef {
  readonly type?: string;
  readonly uid?: string;
}

export interface TargetJson {
  readonly refId?: string;
  readonly expr?: string;
  readonly datasource?: DatasourceRef;
  readonly instant?: boolean;
  readonly range?: boolean;
}

export interface PanelJson {
  readonly id?: number;
  readonly type: string;
  readonly title?: string;
  readonly description?: string;
  readonly datasource?: DatasourceRef;
  readonly targets?: readonly TargetJson[];
  readonly panels?: readonly PanelJson[];
  readonly gridPos?: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly fieldConfig?: {
    readonly defaults?: { readonly unit?: string; readonly mappings?: readonly unknown[] };
  };
}

export interface VariableJson {
  readonly type: string;
  readonly name: string;
  readonly label?: string;
  readonly query?: string | Record<string, unknown>;
  readonly datasource?: DatasourceRef;
  readonly multi?: boolean;
  readonly includeAll?: boolean;
  readonly allValue?: string;
  readonly refresh?: number;
}

/** A dashboard annotation query (Prometheus: samples equal to 1 become events). */
export interface AnnotationJson {
  readonly name?: string;
  readonly enable?: boolean;
  readonly datasource?: DatasourceRef;
  readonly expr?: string;
  readonly titleFormat?: string;
  readonly textFormat?: string;
}

export interface DashboardJson {
  readonly uid?: string;
  readonly title?: string;
  readonly editable?: boolean;
  readonly panels?: readonly PanelJson[];
  readonly templating?: { readonly list?: readonly VariableJson[] };
  readonly annotations?: { readonly list?: readonly AnnotationJson[] };
}

/** Every panel, including panels nested in collapsed rows. */
export function allPanels(dashboard: DashboardJson): PanelJson[] {
  const walk = (panels: readonly PanelJson[]): PanelJson[] =>
    panels.flatMap(p => [p, ...walk(p.panels ?? [])]);
  return walk(dashboard.panels ?? []);
}

/** Panels that show data (not rows). */
export const dataPanels = (dashboard: DashboardJson): PanelJson[] =>
  allPanels(dashboard).filter(p => p.type !== 'row');

export const variables = (dashboard: DashboardJson): readonly VariableJson[] =>
  dashboard.templating?.list ?? [];

export const annotations = (dashboard: DashboardJson): readonly AnnotationJson[] =>
  dashboard.annotations?.list ?? [];

/** `$name` and `${name}` references to template variables in a text (Grafana's own `$__…` excluded). */
export function variableReferences(text: string): string[] {
  return [...text.matchAll(/\$\{(\w+)\}|\$(\w+)/g)]
    .map(m => (m[1] ?? m[2])!)
    .filter(name => !name.startsWith('__'));
}

/** The committed dashboard files: file name → raw text. */
export function readCommittedDashboards(dir: string): Map<string, string> {
  const files = readdirSync(dir).filter(f => f.endsWith('.json'));
  return new Map(files.sort().map(f => [f, readFileSync(join(dir, f), 'utf8')]));
}

/** A target expression of a dashboard panel, named for failure messages. */
export interface DashboardTarget {
  /** `<file> › <panel title> › <refId>` */
  readonly source: string;
  /** The expression as written, Grafana variables included. */
  readonly expr: string;
  readonly instant: boolean;
}

/** Every target of every data panel of a dashboard. */
export function dashboardTargets(dashboard: DashboardJson, fileName: string): DashboardTarget[] {
  return dataPanels(dashboard).flatMap(panel =>
    (panel.targets ?? []).map(t => ({
      source: `${fileName} › ${panel.title} › ${t.refId}`,
      expr: t.expr ?? '',
      instant: t.instant === true,
    })),
  );
}

/** The Prometheus queries of a dashboard's annotations, as targets (`<file> › annotation <name>`). */
export function annotationTargets(dashboard: DashboardJson, fileName: string): DashboardTarget[] {
  return annotations(dashboard)
    .filter(a => a.expr !== undefined)
    .map(a => ({ source: `${fileName} › annotation ${a.name}`, expr: a.expr!, instant: false }));
}

interface ProvisionedDatasource {
  readonly name: string;
  readonly jsonData?: { readonly tracesToMetrics?: { readonly queries?: { name: string; query: string }[] } };
}

/**
 * The trace-to-metrics queries of the provisioned datasources (`$$` is provisioning's escape of `$`, undone
 * here; `$__tags` stays in place).
 */
export function datasourceQueries(datasourcesYaml: string): { source: string; expr: string }[] {
  const provisioned = parse(readFileSync(datasourcesYaml, 'utf8')) as {
    datasources: ProvisionedDatasource[];
  };
  return provisioned.datasources.flatMap(ds =>
    (ds.jsonData?.tracesToMetrics?.queries ?? []).map(q => ({
      source: `datasources.yaml › ${ds.name} › ${q.name}`,
      expr: q.query.replaceAll('$$', '$'),
    })),
  );
}
