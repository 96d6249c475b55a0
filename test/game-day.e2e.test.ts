/**
 * A game day, end to end (issue 11 §2; the walkthrough is docs/game-day.md): the demo runs its `steady` scenario
 * on the local stack (scripts/stack: Debian's Prometheus 2.42 with the repository's rules, Alertmanager 0.25, the
 * webhook receiver, all on free loopback ports). Through the demo's monitoring API, with the stack's bearer token,
 * the test injects a 429 storm into the primary model's calls (`POST /chaos`, the walkthrough's request) and checks
 * through Prometheus that
 * (a) the rate-limit panels rise, the injected failures labelled: the dashboards' own expressions (errors by
 *     category, the Retry-After share, chaos injections by fault, real vs injected errors, the chaos annotation),
 *     and the `chaos` variable's "exclude" hides them;
 * (b) ResilienceRetryBudgetExhausted fires (alerts count injected failures: that is what a game day rehearses) and
 *     pages through Alertmanager;
 * (c) after `POST /chaos {"enabled":false}` the alert resolves and the injections stop.
 * It prints the measured times. Every wait polls with a deadline; all share one budget (about 3 minutes in all,
 * at most about 4.5). The stack is stopped and its temp dir removed in afterAll, whatever happened.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MONITOR_TOKEN_ENV, STORM_REQUEST } from '../examples/support-agent/game-day.js';
import { SCRAPE_INTERVAL_SECONDS } from '../scripts/stack/configs.js';
import {
  annotationTargets,
  type DashboardJson,
  dashboardTargets,
  readCommittedDashboards,
} from './dashboard-json.js';
import { type InstantSample, PrometheusApi, receivedNotifications } from './prometheus-api.js';
import { substituteGrafanaVariables } from './promtool-check.js';
import { StackHarness, seconds, stackServers } from './stack-harness.js';
import { REPO_ROOT } from './telemetry-names.js';

const servers = stackServers('test/game-day.e2e.test.ts');

const ALERT = 'ResilienceRetryBudgetExhausted';
const BUDGET = 'llm-retries';
/** The primary model's policy (the demo's client mode), where chaos injects. */
const PRIMARY_POLICY = 'model.gpt-4o-mini';
/** Budget of all waits after the start; they take about 170 s. */
const WAIT_BUDGET_MS = 250_000;
const READY_TIMEOUT_MS = 30_000;
const TIMEOUTS = { start: 2 * READY_TIMEOUT_MS + 15_000, test: WAIT_BUDGET_MS + 30_000, stop: 60_000 };
/** Grafana's $__rate_interval on the local stack: 4 scrape intervals. */
const RATE_INTERVAL = `${4 * SCRAPE_INTERVAL_SECONDS}s`;

const dashboards = new Map(
  [...readCommittedDashboards(join(REPO_ROOT, 'dashboards/grafana/dashboards'))].map(([file, text]) => [
    file,
    JSON.parse(text) as DashboardJson,
  ]),
);

/** A dashboard's expression, as the stack's Grafana would run it: every variable "All", `$chaos` as given. */
function dashboardExpr(source: string, chaos: 'none' | 'true' = 'none'): string {
  const file = source.split(' › ')[0]!;
  const json = dashboards.get(file);
  const target = json && [...dashboardTargets(json, file), ...annotationTargets(json, file)];
  const expr = target?.find(t => t.source === source)?.expr;
  if (expr === undefined) throw new Error(`no dashboard target ${source}`);
  return substituteGrafanaVariables(expr.replaceAll('$chaos', chaos), {
    rateInterval: RATE_INTERVAL,
    interval: `${SCRAPE_INTERVAL_SECONDS}s`,
    range: '5m',
    tags: 'service_name="support-agent"',
    variable: '.+',
  });
}

/**
 * The request of the `curl -H … -H … -X POST <url> -d '<body>'` command the demo prints for a storm, the token
 * variable it names replaced by `token`: the test sends exactly what a user would paste.
 */
function printedRequest(line: string, token: string): { url: string; init: RequestInit } {
  const url = /-X POST (\S+)/.exec(line)?.[1];
  const body = /-d '([^']*)'/.exec(line)?.[1];
  if (url === undefined || body === undefined) throw new Error(`not a storm command: ${line}`);
  const headers = [...line.matchAll(/-H (["'])(.*?)\1/g)].map(m => {
    const [name, ...value] = m[2]!.replace(`$${MONITOR_TOKEN_ENV}`, token).split(': ');
    return [name!, value.join(': ')] as [string, string];
  });
  return { url, init: { method: 'POST', headers, body, signal: AbortSignal.timeout(5_000) } };
}

/** The value of the sample whose labels include `labels`; undefined when there is none. */
const sampleValue = (
  samples: readonly InstantSample[],
  labels: Record<string, string>,
): number | undefined => {
  const sample = samples.find(s => Object.entries(labels).every(([k, v]) => s.metric[k] === v));
  return sample === undefined ? undefined : Number(sample.value[1]);
};

describe.skipIf(servers.skip)(
  'a game day on the local stack: a 429 storm through POST /chaos',
  {
    timeout: TIMEOUTS.test,
  },
  () => {
    let harness: StackHarness | undefined;
    let api: PrometheusApi;
    let stormOnAt = 0;
    let firingAt = 0;
    const stack = () => harness!.stack;
    const waitFor = <T>(what: string, capMs: number, check: () => Promise<T | undefined>): Promise<T> =>
      harness!.waitFor(what, capMs, check);
    const query = async (expr: string) => (await api.query(expr)).result;

    /** POST /chaos with `body`, with the stack's token unless `token` says otherwise (null: none). */
    async function postChaos(body: string, token: string | null = stack().monitorToken) {
      const response = await fetch(`${stack().urls.monitor}/chaos`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        },
        body,
        signal: AbortSignal.timeout(5_000),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    beforeAll(async () => {
      servers.require();
      harness = await StackHarness.start({
        scenario: 'steady',
        // One cycle for the whole test: the summary and a new cycle would not change the traffic, only the output.
        durationSeconds: 900,
        readyTimeoutMs: READY_TIMEOUT_MS,
        waitBudgetMs: WAIT_BUDGET_MS,
      });
      api = new PrometheusApi(stack().urls.prometheus);
    }, TIMEOUTS.start);

    afterAll(() => harness?.stop(), TIMEOUTS.stop);

    it('chaos is off until configured, and switching it needs the bearer token', async () => {
      const state = await fetch(`${stack().urls.monitor}/chaos`).then(r => r.json());
      expect(state).toMatchObject({ enabled: false, faults: [] });
      expect((await postChaos(STORM_REQUEST, null)).status).toBe(401);
      expect((await postChaos(STORM_REQUEST, 'not-the-token-0123456789')).status).toBe(401);
    });

    it('(a) the storm shows on the rate-limit panels, labelled as injected; "exclude" hides it', async () => {
      await waitFor(`Prometheus to scrape the demo's calls`, 30_000, async () => {
        const calls = await query(`sum(rate(resilience_call_duration_seconds_count[${RATE_INTERVAL}]))`);
        return (sampleValue(calls, {}) ?? 0) > 0 ? true : undefined;
      });
      expect((await query('resilience_chaos_injections_total')).length, 'no injection before the storm').toBe(
        0,
      );

      // The storm as the demo printed it (with the stack's token in the variable it names).
      const command = harness!.demoLines().find(line => line.trim().startsWith('curl '));
      expect(command, 'the demo prints the storm command').toBeDefined();
      const { url, init } = printedRequest(command!, stack().monitorToken);
      expect(url).toBe(`${stack().urls.monitor}/chaos`);
      const response = await fetch(url, init);
      stormOnAt = Date.now();
      expect({ status: response.status, body: await response.json() }).toMatchObject({
        status: 200,
        body: { enabled: true, faults: [{ fault: 'rate_limited', rate: 0.8 }] },
      });

      // The labelled counter first: the 429s the classifier saw are marked injected.
      const errorsExpr = `sum by (resilience_policy, resilience_chaos_injected) (rate(resilience_errors_total{resilience_error_category="rate_limited"}[${RATE_INTERVAL}]))`;
      const injected = await waitFor('injected 429s on resilience_errors_total', 30_000, async () => {
        const rate = sampleValue(await query(errorsExpr), {
          resilience_policy: PRIMARY_POLICY,
          resilience_chaos_injected: 'true',
        });
        return rate !== undefined && rate > 1 ? rate : undefined;
      });
      const real = sampleValue(
        await query(
          `sum(rate(resilience_errors_total{resilience_error_category="rate_limited", resilience_chaos_injected!="true"}[${RATE_INTERVAL}]))`,
        ),
        {},
      );
      console.log(
        `game day: injected 429s reached Prometheus ${seconds(Date.now() - stormOnAt)} after POST /chaos ` +
          `(${injected.toFixed(1)}/s on ${PRIMARY_POLICY}; real 429s: ${real ?? 0}/s)`,
      );
      expect(real ?? 0, 'every 429 of this run is injected').toBe(0);

      // The dashboards' own expressions, once their rates span the storm.
      const panels = await waitFor('the rate-limit panels to show the storm', 30_000, async () => {
        const [byCategory, excluded, retryAfter, byFault, realVsInjected, annotation] = await Promise.all([
          query(dashboardExpr('error-aggregation.json › Errors / s by category › A')),
          query(dashboardExpr('error-aggregation.json › Errors / s by category › A', 'true')),
          query(dashboardExpr('retry-budgets.json › Retry-After share by policy › A')),
          query(dashboardExpr('resilience-overview.json › Chaos injections / s by fault › A')),
          query(dashboardExpr('resilience-overview.json › Errors / s: real vs injected › B')),
          query(dashboardExpr('resilience-overview.json › annotation Chaos injection')),
        ]);
        const shown = {
          rateLimited: sampleValue(byCategory, { resilience_error_category: 'rate_limited' }) ?? 0,
          rateLimitedExcluded: sampleValue(excluded, { resilience_error_category: 'rate_limited' }) ?? 0,
          retryAfterShare: sampleValue(retryAfter, { resilience_policy: PRIMARY_POLICY }) ?? 0,
          injections: sampleValue(byFault, { resilience_chaos_fault: 'rate_limited' }) ?? 0,
          injectedErrors: sampleValue(realVsInjected, {}) ?? 0,
          annotation: sampleValue(annotation, { resilience_chaos_fault: 'rate_limited' }) ?? 0,
        };
        return shown.rateLimited > 1 && shown.retryAfterShare > 0.5 && shown.annotation === 1
          ? shown
          : undefined;
      });
      console.log(`game day: the panels during the storm: ${JSON.stringify(panels)}`);
      expect(panels.injections).toBeGreaterThan(1);
      expect(panels.injectedErrors).toBeGreaterThan(1);
      // With the chaos variable on "exclude", the error panels show no 429 at all: every one was injected.
      expect(panels.rateLimitedExcluded).toBe(0);
      expect(harness!.demoLines()).toContainEqual(
        expect.stringContaining('chaos injection on: rate_limited 80 %'),
      );
    });

    it(`(b) ${ALERT} fires on the injected storm and pages through Alertmanager`, async () => {
      expect(stormOnAt, 'the storm started').toBeGreaterThan(0);
      const firing = await waitFor(`${ALERT} to fire in Prometheus`, 200_000, async () =>
        (await api.alerts()).find(
          a =>
            a.labels.alertname === ALERT &&
            a.labels.resilience_retry_budget_name === BUDGET &&
            a.state === 'firing',
        ),
      );
      firingAt = Date.now();
      expect(firing.labels).toMatchObject({ severity: 'critical', service_name: 'support-agent' });
      const paged = await waitFor(`the webhook receiver to get ${ALERT} (firing)`, 30_000, async () =>
        (await receivedNotifications(stack().urls.webhook)).find(n =>
          n.payload.alerts.some(a => a.status === 'firing' && a.labels.alertname === ALERT),
        ),
      );
      expect(paged.route).toBe('critical');
      // How often the budget read 0 during the storm (the flicker the alert's median looks through).
      const { result } = await api.queryRange(
        `resilience_retry_budget_available{resilience_retry_budget_name="${BUDGET}"}`,
        stormOnAt / 1000 + 15,
        firingAt / 1000,
        SCRAPE_INTERVAL_SECONDS,
      );
      const samples = result.flatMap(series => series.values.map(([, value]) => Number(value)));
      const empty = samples.filter(value => value < 1).length / samples.length;
      // The longest stretch at 0: the former rule (`for: 2m` on the raw gauge) needed one of 120 s to fire.
      let run = 0;
      let longest = 0;
      for (const value of samples) {
        run = value < 1 ? run + 1 : 0;
        longest = Math.max(longest, run);
      }
      console.log(
        `game day: ${ALERT} firing ${seconds(firingAt - stormOnAt)} after POST /chaos (pending from ` +
          `${seconds(Date.parse(firing.activeAt) - stormOnAt)}: the median of the last minute, then for: 90s); ` +
          `the webhook got the page ${seconds(Date.parse(paged.receivedAt) - stormOnAt)} after POST /chaos; the ` +
          `budget read 0 in ${(empty * 100).toFixed(0)} % of ${samples.length} scrapes of the storm, at most ` +
          `${longest * SCRAPE_INTERVAL_SECONDS} s in a row`,
      );
    });

    it(`(c) after POST /chaos {"enabled":false} ${ALERT} resolves and the injections stop`, async () => {
      expect(firingAt, 'the alert fired').toBeGreaterThan(0);
      const off = await postChaos('{"enabled":false}');
      const offAt = Date.now();
      expect(off).toMatchObject({ status: 200, body: { enabled: false } });
      await waitFor(`${ALERT} to resolve in Prometheus`, 90_000, async () =>
        (await api.alerts()).some(a => a.labels.alertname === ALERT) ? undefined : true,
      );
      const resolvedAt = Date.now();
      await waitFor('the chaos injections to stop', 30_000, async () => {
        const rate = await query(
          dashboardExpr('resilience-overview.json › Chaos injections / s by fault › A'),
        );
        return (sampleValue(rate, { resilience_chaos_fault: 'rate_limited' }) ?? 0) === 0 ? true : undefined;
      });
      console.log(
        `game day: ${ALERT} resolved in Prometheus ${seconds(resolvedAt - offAt)} after POST /chaos {"enabled":false} ` +
          `(expected about 30 s: the median of the last minute back above 1); storm to resolution ` +
          `${seconds(resolvedAt - stormOnAt)}`,
      );
      expect(harness!.demoLines()).toContainEqual(expect.stringContaining('chaos injection off'));
    });
  },
);
