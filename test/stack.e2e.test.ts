/**
 * End-to-end test of the local observability stack (scripts/stack, the code behind `npm run stack`): the demo
 * agent runs its `incident` scenario against Debian's Prometheus 2.42 (the repository's rules) and Alertmanager
 * 0.25 (the repository's routes) and the webhook receiver, all on free loopback ports. Through their HTTP APIs
 * the test checks that
 * - Prometheus scrapes the demo's /metrics;
 * - ResilienceCircuitOpen fires in Prometheus, reaches the webhook receiver through Alertmanager within
 *   PAGE_GOAL_SECONDS of the breaker opening (the time to page, printed with its parts), and resolves after the
 *   recovery (a `resolved` notification; the time from the breaker closing is printed too);
 * - every query variable and every target expression of every generated dashboard (and the datasources'
 *   trace-to-metrics queries) returns data over the run, with Grafana's variables substituted, except the
 *   fleet-coordination targets that a single replica cannot feed (NO_DATA_EXPECTED).
 * Without the binaries it fails with the install command, unless AGENT_RESILIENCE_SKIP_STACK_BINARIES=1 (then
 * it is skipped with a warning). Every wait polls an API with a deadline; all of them share one budget, so the
 * file takes about 2.5 minutes and at most about 6. The stack is stopped and its temp dir removed in afterAll,
 * whatever happened.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_JOB, SCRAPE_INTERVAL_SECONDS } from '../scripts/stack/configs.js';
import { localPagePath, PAGE_GOAL_SECONDS, PAGING_ALERT, pageBudget } from '../scripts/stack/page-budget.js';
import { pollUntil } from '../scripts/stack/poll.js';
import { resolvePorts } from '../scripts/stack/ports.js';
import { type Stack, startStack } from '../scripts/stack/stack.js';
import {
  type DashboardJson,
  dashboardTargets,
  datasourceQueries,
  readCommittedDashboards,
  variables,
} from './dashboard-json.js';
import { PrometheusApi, type ReceivedNotification, receivedNotifications } from './prometheus-api.js';
import { type GrafanaValues, substituteGrafanaVariables } from './promtool-check.js';
import { requirePath, SKIP_ENV, stackBinary } from './stack-binaries.js';
import { REPO_ROOT } from './telemetry-names.js';

const prometheusBinary = stackBinary('prometheus');
const alertmanagerBinary = stackBinary('prometheus-alertmanager');
const skip = prometheusBinary.skip || alertmanagerBinary.skip;
if (skip)
  console.warn(`SKIPPING test/stack.e2e.test.ts: Prometheus or Alertmanager is missing and ${SKIP_ENV}=1.`);

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

/** A duration in ms, printed in seconds. */
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe.skipIf(skip)('the local stack, end to end', { timeout: TIMEOUTS.test }, () => {
  let stack: Stack | undefined;
  let api: PrometheusApi;
  let startedAt = 0;
  let deadline = 0;
  /** When the demo printed the breaker's transitions (ms since epoch, as this process saw the line). */
  const breaker: { opened?: number; closed?: number } = {};
  const demoLines: string[] = [];

  // Interrupted (Ctrl-C on vitest, a killed worker): kill the stack at once, then let the signal do its work.
  // (A normal exit, even after a failure, goes through afterAll, and stack.ts's exit hook backs it up.)
  const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = (signal: NodeJS.Signals) => {
    stack?.killNow();
    process.kill(process.pid, signal);
  };

  beforeAll(async () => {
    for (const signal of SIGNALS) process.once(signal, onSignal);
    requirePath(prometheusBinary);
    requirePath(alertmanagerBinary);
    stack = await startStack({
      ports: { prometheus: 0, alertmanager: 0, webhook: 0, metrics: 0, monitor: 0 },
      scenario: SCENARIO,
      durationSeconds: CYCLE_SECONDS,
      // Looping keeps the demo (and its /metrics) up after the first cycle, while the resolution is awaited.
      loop: true,
      quiet: true,
      readyTimeoutMs: READY_TIMEOUT_MS,
      onOutput: (source, line) => {
        if (source !== 'demo') return;
        demoLines.push(line);
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
    startedAt = Date.now();
    deadline = startedAt + WAIT_BUDGET_MS;
    api = new PrometheusApi(stack.urls.prometheus);
  }, TIMEOUTS.start);

  afterAll(async () => {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    if (stack === undefined) return;
    const { dir, ports } = stack;
    await stack.stop();
    expect(existsSync(dir), `temp dir ${dir} removed`).toBe(false);
    // Every port is free again (resolvePorts binds each one).
    await resolvePorts(ports);
  }, TIMEOUTS.stop);

  /** Polls `check` every second until it returns a value, within `capMs` and the shared budget. */
  async function waitFor<T>(what: string, capMs: number, check: () => Promise<T | undefined>): Promise<T> {
    const running = stack!;
    try {
      return await pollUntil(check, {
        what,
        timeoutMs: Math.max(1_000, Math.min(capMs, deadline - Date.now())),
        intervalMs: 1_000,
        abort: () => running.exitError(),
      });
    } catch (error) {
      const demo = demoLines.slice(-30).join('\n');
      throw new Error(
        `${(error as Error).message}\n\nLast demo lines:\n${demo}\n\nStack output:\n${running.logs()}`,
      );
    }
  }

  const notification = (n: ReceivedNotification, status: 'firing' | 'resolved') =>
    n.payload.alerts.find(
      a => a.status === status && a.labels.alertname === ALERT && a.labels.resilience_policy === BREAKER,
    );

  it("Prometheus scrapes the demo's /metrics", async () => {
    const target = await waitFor(`the ${DEMO_JOB} target to be up`, 30_000, async () =>
      (await api.targets()).find(t => t.labels.job === DEMO_JOB && t.health === 'up'),
    );
    expect(target.labels.instance).toBe(new URL(stack!.urls.metrics).host);
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
      (await receivedNotifications(stack!.urls.webhook)).find(n => notification(n, 'firing') !== undefined),
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
      (await receivedNotifications(stack!.urls.webhook)).find(n => notification(n, 'resolved') !== undefined),
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
    const start = startedAt / 1000;
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
      ...dashboards.flatMap(d => dashboardTargets(d.json, d.fileName)),
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
