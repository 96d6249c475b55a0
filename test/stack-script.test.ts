/**
 * `npm run stack` (scripts/stack) without running the stack: its command line, its fail-fast checks (a taken
 * port, missing binaries) and the configs it derives from the repository's, checked with promtool and amtool.
 * The running stack is tested by stack.e2e.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { alertmanagerConfig, prometheusConfig, writeConfigs } from '../scripts/stack/configs.js';
import { DEFAULT_DURATION_SECONDS, parseStackOptions, UsageError } from '../scripts/stack/options.js';
import {
  durationSeconds,
  localPagePath,
  PAGE_GOAL_SECONDS,
  pageBudget,
} from '../scripts/stack/page-budget.js';
import { DEFAULT_PORTS, resolvePorts, type StackPorts } from '../scripts/stack/ports.js';
import { StackError, startStack } from '../scripts/stack/stack.js';
import { run, stackBinary } from './stack-binaries.js';
import { REPO_ROOT } from './telemetry-names.js';

const PORTS: StackPorts = {
  prometheus: 19090,
  alertmanager: 19093,
  webhook: 18080,
  metrics: 19464,
  monitor: 19465,
};

/** Runs `npm run stack -- <args>` (without npm) and returns its exit code and output. */
function stackCli(args: readonly string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/stack/main.ts', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run stack: command line', () => {
  it('has defaults: the incident scenario in a loop on the usual ports', () => {
    expect(parseStackOptions([])).toEqual({
      ports: DEFAULT_PORTS,
      scenario: 'incident',
      durationSeconds: DEFAULT_DURATION_SECONDS,
      loop: true,
      quiet: false,
    });
    expect(parseStackOptions(['--once', '--quiet', '--metrics-port', '0'])).toMatchObject({
      loop: false,
      quiet: true,
      ports: { metrics: 0 },
    });
    expect(parseStackOptions(['--help'])).toBeUndefined();
  });

  it.each([
    [
      ['--scenario', 'meltdown'],
      '--scenario must be one of outage, rate-limits, steady, incident, game-day, failover, got "meltdown"',
    ],
    [['--prometheus-port', '70000'], '--prometheus-port must be an integer in [0, 65535], got "70000"'],
    [['--webhook-port', '80a'], '--webhook-port must be an integer in [0, 65535], got "80a"'],
    [['--duration', '5'], '--duration must be an integer in [10, 86400], got "5"'],
    [['--metrics-port', '9090'], '--prometheus-port and --metrics-port must differ, both are 9090'],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('rejects %j', (argv, message) => {
    expect(() => parseStackOptions(argv)).toThrow(UsageError);
    expect(() => parseStackOptions(argv)).toThrow(message);
  });

  it('prints the help (exit 0) and rejects a bad option (exit 2)', () => {
    const help = stackCli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: npm run stack -- [options]');
    expect(help.stdout).toContain('--prometheus-port <port>');
    const bad = stackCli(['--duration', 'forever']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--duration must be an integer');
  });
});

describe('npm run stack: fails fast', () => {
  let taken: Server;
  let takenPort: number;

  beforeAll(async () => {
    taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    takenPort = (taken.address() as { port: number }).port;
  });

  afterAll(async () => {
    taken.close();
    await once(taken, 'close');
  });

  it('names a port that is taken, and the option that sets it', async () => {
    const free = { prometheus: 0, alertmanager: 0, webhook: 0, metrics: 0, monitor: 0 };
    await expect(resolvePorts({ ...free, alertmanager: takenPort })).rejects.toThrow(
      `port ${takenPort} (Alertmanager, --alertmanager-port) is already in use on 127.0.0.1`,
    );
    const others = ['--prometheus-port', '--alertmanager-port', '--metrics-port', '--monitor-port'];
    const cli = stackCli([...others.flatMap(o => [o, '0']), '--webhook-port', String(takenPort)]);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain(
      `port ${takenPort} (the webhook receiver, --webhook-port) is already in use`,
    );
  });

  it('picks distinct free ports for port 0', async () => {
    const ports = await resolvePorts({ prometheus: 0, alertmanager: 0, webhook: 0, metrics: 0, monitor: 0 });
    const values = Object.values(ports);
    expect(new Set(values).size).toBe(5);
    for (const port of values) expect(port).toBeGreaterThan(0);
  });

  it('says how to install Prometheus and Alertmanager when they are missing', async () => {
    vi.stubEnv('PATH', '/nonexistent');
    const start = startStack({
      ports: PORTS,
      scenario: 'incident',
      durationSeconds: 150,
      loop: true,
      quiet: true,
    });
    await expect(start).rejects.toThrow(StackError);
    await expect(start).rejects.toThrow('apt-get install -y prometheus prometheus-alertmanager');
  });
});

describe('npm run stack: derived configs', () => {
  const promtool = stackBinary('promtool');
  const amtool = stackBinary('amtool');
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stack-configs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("scrape the demo's /metrics and send alerts to the local Alertmanager, with the repo's rules", () => {
    const config = prometheusConfig(PORTS);
    expect(config.global).toMatchObject({
      scrape_interval: '2s',
      evaluation_interval: '2s',
      scrape_timeout: '2s',
    });
    expect(config.scrape_configs?.map(s => [s.job_name, s.static_configs[0]?.targets])).toEqual([
      ['support-agent', ['127.0.0.1:19464']],
      ['prometheus', ['127.0.0.1:19090']],
    ]);
    // Not the Collector job's own 5 s of compose.
    expect(config.scrape_configs?.[0]).toMatchObject({ scrape_interval: '2s', scrape_timeout: '2s' });
    expect(config.alerting?.alertmanagers?.[0]?.static_configs?.[0]?.targets).toEqual(['127.0.0.1:19093']);
    expect(config.rule_files).toEqual(
      ['resilience-recording', 'resilience-slo', 'resilience-alerts'].map(f =>
        join(REPO_ROOT, `dashboards/prometheus/rules/${f}.yaml`),
      ),
    );
  });

  it('post every notification to the local webhook receiver, on the same route paths', () => {
    const urls = (alertmanagerConfig(PORTS).receivers ?? []).flatMap(r =>
      (r.webhook_configs ?? []).map(w => w.url),
    );
    expect(urls).toEqual(['http://127.0.0.1:18080/alerts/critical', 'http://127.0.0.1:18080/alerts/warning']);
  });

  it.skipIf(promtool.skip || amtool.skip)('pass promtool check config and amtool check-config', () => {
    const written = writeConfigs(dir, PORTS);
    const prometheus = run(promtool, ['check', 'config', written.prometheus]);
    expect(prometheus.status, prometheus.output).toBe(0);
    const alertmanager = run(amtool, ['check-config', written.alertmanager]);
    expect(alertmanager.status, alertmanager.output).toBe(0);
  });
});

describe('npm run stack: time to page (dashboards/RUNBOOK.md, "Time to page")', () => {
  it('reads Prometheus durations of h, m and s parts, and names a bad one', () => {
    expect(durationSeconds('for', '45s')).toBe(45);
    expect(durationSeconds('for', '1m30s')).toBe(90);
    expect(durationSeconds('for', '2h')).toBe(7_200);
    for (const bad of ['', '45', '1.5s', '45ms', ' 45s', '1s1m']) {
      expect(() => durationSeconds('group_wait', bad)).toThrow(
        new RangeError(
          `group_wait must be a duration of h, m and s parts such as "45s", got ${JSON.stringify(bad)}`,
        ),
      );
    }
  });

  it('adds up the hops: for rounded up to whole evaluations, group_wait, and at worst a full export, scrape and evaluation', () => {
    const path = {
      exportSeconds: 6,
      scrapeSeconds: 5,
      evaluationSeconds: 15,
      forSeconds: 40,
      groupWaitSeconds: 5,
    };
    expect(pageBudget(path)).toEqual({
      holdSeconds: 45,
      earliestSeconds: 50,
      latestSeconds: 76,
      flapSeconds: 29,
    });
  });

  it("reads the local stack's path from the repository's configs", () => {
    // Prometheus scrapes the demo itself (nothing to wait for but the scrape); the alert group evaluates every
    // 5 s; ResilienceCircuitOpen's for; Alertmanager's group_wait for critical alerts.
    expect(localPagePath()).toEqual({
      exportSeconds: 0,
      scrapeSeconds: 2,
      evaluationSeconds: 5,
      forSeconds: 45,
      groupWaitSeconds: 5,
    });
  });

  it(`pages within ${PAGE_GOAL_SECONDS} s of a breaker opening on the local stack, even when every hop waits its longest`, () => {
    // Issue 8 §5: it took 66-68 s with for: 1m.
    expect(pageBudget(localPagePath()).latestSeconds).toBeLessThanOrEqual(PAGE_GOAL_SECONDS);
  });
});
