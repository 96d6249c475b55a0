/**
 * End-to-end test of the local observability stack (scripts/stack, the code behind `npm run stack`): the demo
 * agent runs its `incident` scenario against Debian's Prometheus 2.42 (the repository's rules) and Alertmanager
 * 0.25 (the repository's routes) and the webhook receiver, all on free loopback ports. Through their HTTP APIs
 * the test checks that
 * - Prometheus scrapes the demo's /metrics;
 * - ResilienceCircuitOpen fires in Prometheus, reaches the webhook receiver through Alertmanager within
 *   PAGE_GOAL_SECONDS of the breaker opening (the time to page, printed with its parts), and resolves after the
 *   recovery (a `resolved` notification; the time from the breaker closing is printed too);
 * - every query variable, every target expression and annotation query of every generated dashboard (and the
 *   datasources' trace-to-metrics queries) returns data over the run, with Grafana's variables substituted, except
 *   the fleet-coordination targets that a single replica cannot feed (NO_DATA_EXPECTED). The incident's phases
 *   inject chaos (a 429 storm, a slow tail that hedging cuts), so the chaos and hedging panels have data too.
 * The game day (a 429 storm switched through the monitoring API) is game-day.e2e.test.ts.
 * Without the binaries it fails with the install command, unless AGENT_RESILIENCE_SKIP_STACK_BINARIES=1 (then
 * it is skipped with a warning). Every wait polls an API with a deadline; all of them share one budget, so the
 * file takes about 2.5 minutes and at most about 6. The stack is stopped and its temp dir removed in afterAll,
 * whatever happened.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_JOB, SCRAPE_INTERVAL_SECONDS } from '../scripts/stack/configs.js';
import { localPagePath, PAGE_GOAL_SECONDS, PAGING_ALERT, pageBudget } from '../scripts/stack/page-budget.js';
import {
  annotationTargets,
  type DashboardJson,
  dashboardTargets,
  datasourceQueries,
  readCommittedDashboards,
  variables,
} from './dashboard-json.js';
import { PrometheusApi, type ReceivedNotification, receivedNotifications } from './prometheus-api.js';
import { type GrafanaValues, substituteGrafanaVariables } from './promtool-check.js';
import { StackHarness, seconds as s, stackServers } from './stack-harness.js';
import { REPO_ROOT } from './telemetry-names.js';

const servers = stackServers('test/stack.e2e.test.ts');

/** At 150 s the incident's outage lasts 84 s: the breaker stays open well past the time to page. */
const SCENARIO = 'incident';
const CYCLE_SECONDS = 150;
const ALERT = PAGING_ALERT;
const BREAKER = 'openai';
/** Budget of all waits after the start (they take about 150 s). */
const WAIT_BUDGET_MS = 270_000;
/** Bound on each of the two readiness waits of the start (servers, then the demo; about 5 s in all). */
const READY_TIMEOUT_MS = 30_000;
const SERVICE = 'support-agent';
/**
 * Dashboard targets allowed to return no data here. Why: the demo runs as one replica without Redis, so it has
 * no fleet coordinator and reports no coordination metrics (the compose stack's three replicas do).
 */
const NO_DATA_EXPECTED: ReadonlySet<string> = new Set(
  [
    'Coordination state by replica',
    'Coordination errors / s by operation',
    'Coordination errors / s by replica',
  ].map(panel => `resilience-overview.json › ${panel} › A`),
);

const TIMEOUTS = { start: 2 * READY_TIMEOUT_MS + 15_000, test: WAIT_BUDGET_MS + 30_000, stop: 60_000 };

describe.skipIf(servers.skip)('the local stack, end to end', { timeout: TIMEOUTS.test }, () => {
  let harness: StackHarness | undefined;
  let api: PrometheusApi;
  /** When the demo printed the breaker's transitions (ms since epoch, as this process saw the line). */
  const breaker: { opened?: number; closed?: number } = {};

  beforeAll(async () => {
    servers.require();
    harness = await StackHarness.start({
      scenario: SCENARIO,
      durationSeconds: CYCLE_SECONDS,
      readyTimeoutMs: READY_TIMEOUT_MS,
      waitBudgetMs: WAIT_BUDGET_MS,
      onDemoLine: line => {
        if (breaker.opened === undefined && line.includes(`⚑ circuit "${BREAKER}" closed → open`)) {
          breaker.opened = Date.now();
        } else if (
          breaker.opened !== undefined &&
          breaker.closed === undefined &&
          line.includes(`⚑ circuit "${BREAKER}" half_open → closed`)
        ) {
          breaker.closed = Date.now();
        }
      },
    });
    api = new PrometheusApi(harness.stack.urls.prometheus);
  }, TIMEOUTS.start);

  afterAll(() => harness?.stop(), TIMEOUTS.stop);

  const waitFor = <T>(what: string, capMs: number, check: () => Promise<T | undefined>): Promise<T> =>
    harness!.waitFor(what, capMs, check);

  const notification = (n: ReceivedNotification, status: 'firing' | 'resolved') =>
    n.payload.alerts.find(
      a => a.status === status && a.labels.alertname === ALERT && a.labels.resilience_policy === BREAKER,
    );

  it("Prometheus scrapes the demo's /metrics", async () => {
    const target = await waitFor(`the ${DEMO_JOB} target to be up`, 30_000, async () =>
      (await api.targets()).find(t => t.labels.job === DEMO_JOB && t.health === 'up'),
    );
    expect(target.labels.instance).toBe(new URL(harness!.stack.urls.metrics).host);
  });

  let firingAt = 0;
  it(`${ALERT} fires in Prometheus and reaches the webhook receiver through Alertmanager`, async () => {
    const opened = await waitFor(
      `the demo to print: circuit "${BREAKER}" closed → open`,
      90_000,
      async () => breaker.opened,
    );
    const firing = await waitFor(`${ALERT} to fire in Prometheus`, 130_000, async () =>
      (await api.alerts()).find(
        a => a.labels.alertname === ALERT && a.labels.resilience_policy === BREAKER && a.state === 'firing',
      ),
    );
    expect(firing.labels).toMatchObject({ severity: 'critical', service_name: SERVICE });
    const received = await waitFor(`the webhook receiver to get ${ALERT} (firing)`, 60_000, async () =>
      (await receivedNotifications(harness!.stack.urls.webhook)).find(
        n => notification(n, 'firing') !== undefined,
      ),
    );
    expect(received.route).toBe('critical');
    firingAt = Date.parse(received.receivedAt);
    const activeAt = Date.parse(firing.activeAt);
    const path = localPagePath();
    const budget = pageBudget(path);
    console.log(
      [
        `${ALERT}: time to page ${s(firingAt - opened)}: breaker "${BREAKER}" opened → webhook received the page ` +
          `(goal ≤ ${PAGE_GOAL_SECONDS} s; expected ${budget.earliestSeconds}–${budget.latestSeconds} s)`,
        `  opened → pending in Prometheus: ${s(activeAt - opened)} ` +
          `(next scrape, every ${path.scrapeSeconds} s, then next evaluation, every ${path.evaluationSeconds} s)`,
        `  pending → webhook: ${s(firingAt - activeAt)} (firing after for: ${budget.holdSeconds} s, ` +
          `then Alertmanager's group_wait for critical: ${path.groupWaitSeconds} s)`,
      ].join('\n'),
    );
    expect(firingAt).toBeGreaterThan(opened);
    expect(firingAt - opened, 'time to page (ms)').toBeLessThanOrEqual(PAGE_GOAL_SECONDS * 1000);
  });

  it(`${ALERT} resolves after the recovery (webhook gets status "resolved")`, async () => {
    expect(firingAt, 'the alert fired').toBeGreaterThan(0);
    const received = await waitFor(`the webhook receiver to get ${ALERT} (resolved)`, 200_000, async () =>
      (await receivedNotifications(harness!.stack.urls.webhook)).find(
        n => notification(n, 'resolved') !== undefined,
      ),
    );
    const resolvedAt = Date.parse(received.receivedAt);
    expect(resolvedAt).toBeGreaterThan(firingAt);
    const closed = breaker.closed;
    expect(closed, `the demo printed: circuit "${BREAKER}" half_open → closed`).toBeDefined();
    console.log(
      `${ALERT}: breaker closed → webhook received "resolved" in ${s(resolvedAt - closed!)} ` +
        '(evaluation, then the next Alertmanager group_interval tick: up to 1 min)',
    );
    expect((await api.alerts()).some(a => a.labels.alertname === ALERT && a.state === 'firing')).toBe(false);
  });

  it('every query variable and target expression of every dashboard returns data', async () => {
    const end = Date.now() / 1000;
    const start = harness!.startedAt / 1000;
    const step = SCRAPE_INTERVAL_SECONDS;
    // What Grafana substitutes for this range with a datasource whose scrape interval is `step`: $__interval
    // is at least the scrape interval, $__rate_interval = max($__interval + scrape, 4 × scrape); "All" = `.+`.
    const values: GrafanaValues = {
      rateInterval: `${4 * step}s`,
      interval: `${step}s`,
      range: `${Math.ceil(end - start)}s`,
      tags: `service_name="${SERVICE}"`,
      variable: '.+',
    };
    const dashboards = [...readCommittedDashboards(join(REPO_ROOT, 'dashboards/grafana/dashboards'))].map(
      ([fileName, text]) => ({ fileName, json: JSON.parse(text) as DashboardJson }),
    );
    const problems: string[] = [];
    for (const { fileName, json } of dashboards) {
      for (const v of variables(json).filter(v => v.type === 'query')) {
        const match = /^label_values\((.+), (\w+)\)$/.exec(String(v.query));
        if (match === null) {
          problems.push(`${fileName} › $${v.name}: not a label_values() query: ${String(v.query)}`);
          continue;
        }
        const selector = substituteGrafanaVariables(match[1]!, values);
        const found = await api.labelValues(match[2]!, selector, start, end);
        if (found.length === 0) problems.push(`${fileName} › $${v.name}: no values for ${v.query}`);
      }
    }
    const targets = [
      ...dashboards.flatMap(d => [
        ...dashboardTargets(d.json, d.fileName),
        ...annotationTargets(d.json, d.fileName),
      ]),
      ...datasourceQueries(join(REPO_ROOT, 'dashboards/grafana/provisioning/datasources/datasources.yaml')),
    ];
    const unknown = [...NO_DATA_EXPECTED].filter(source => !targets.some(t => t.source === source));
    expect(unknown, 'NO_DATA_EXPECTED names targets that exist').toEqual([]);
    for (const target of targets.filter(t => !NO_DATA_EXPECTED.has(t.source))) {
      const expr = substituteGrafanaVariables(target.expr, values);
      const { result } = await api.queryRange(expr, start, end, step);
      const samples = result.flatMap(series => series.values);
      if (samples.length === 0) problems.push(`${target.source}: no series\n    ${expr}`);
      else if (samples.every(([, value]) => value === 'NaN')) {
        problems.push(`${target.source}: only NaN\n    ${expr}`);
      }
    }
    console.log(
      `dashboards: ${targets.length - NO_DATA_EXPECTED.size} target expressions evaluated over ${values.range} ` +
        `($__rate_interval = ${values.rateInterval}, variables = All; ${NO_DATA_EXPECTED.size} skipped: ` +
        `no coordinator); ${problems.length} without data`,
    );
    expect(problems, `expressions without data:\n${problems.join('\n')}`).toEqual([]);
  });
});
