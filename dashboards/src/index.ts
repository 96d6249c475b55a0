/**
 * Every generated dashboard, rendered to the JSON committed under `dashboards/grafana/dashboards/<uid>.json`.
 * `generate.ts` writes these files; `test/dashboards.test.ts` renders them in memory and fails if the committed
 * files differ.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { agentRuns } from './agent-runs.js';
import { circuitBreakers } from './circuit-breakers.js';
import { errorAggregation } from './error-aggregation.js';
import { recoveryTrafficRamp } from './recovery-traffic-ramp.js';
import { resilienceOverview } from './resilience-overview.js';
import { retryBudgets } from './retry-budgets.js';

/** Directory of the generated JSON, relative to the repository root. */
export const DASHBOARDS_DIR = 'dashboards/grafana/dashboards';

const BUILDERS: readonly (() => Dashboard)[] = [
  resilienceOverview,
  errorAggregation,
  retryBudgets,
  circuitBreakers,
  recoveryTrafficRamp,
  agentRuns,
];

export interface RenderedDashboard {
  /** `<uid>.json` */
  readonly fileName: string;
  readonly json: string;
}

/** Builds and serialises every dashboard (2-space JSON, trailing newline), in a fixed order. */
export function renderDashboards(): RenderedDashboard[] {
  return BUILDERS.map(build => {
    const dashboard = build();
    if (dashboard.uid === undefined) throw new Error(`dashboard "${dashboard.title}" has no uid`);
    return { fileName: `${dashboard.uid}.json`, json: `${JSON.stringify(dashboard, null, 2)}\n` };
  });
}
