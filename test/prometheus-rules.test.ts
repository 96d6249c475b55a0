/**
 * Prometheus rules, their promtool tests, prometheus.yaml and the Alertmanager config: valid for the real tools
 * (promtool and amtool from Debian's prometheus 2.42 / alertmanager 0.25), complete (every alert documented in
 * the runbook, tested firing and not firing) and written against the telemetry contract.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CIRCUIT_BREAKER_DEFAULTS } from 'agent-resilience';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  criticalGroupWaitSeconds,
  durationSeconds,
  localPagePath,
  type PagePath,
  pageBudget,
  pagingRule,
} from '../scripts/stack/page-budget.js';
import { contractViolations } from './promql-contract.js';
import { run, stackBinary } from './stack-binaries.js';
import { REPO_ROOT, RULES_DIR, ruleFileNames, telemetryNames } from './telemetry-names.js';

interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}
interface RuleFile {
  readonly groups: readonly { readonly name: string; readonly rules: readonly Rule[] }[];
}
interface RuleTestFile {
  readonly rule_files: readonly string[];
  readonly evaluation_interval?: string;
  readonly tests: readonly {
    readonly interval?: string;
    readonly alert_rule_test?: readonly {
      readonly alertname: string;
      readonly exp_alerts?: readonly unknown[];
    }[];
  }[];
}

const PROMETHEUS_DIR = join(REPO_ROOT, 'dashboards/prometheus');
const ALERTMANAGER_CONFIG = join(REPO_ROOT, 'dashboards/alertmanager/alertmanager.yaml');
const RUNBOOK = join(REPO_ROOT, 'dashboards/RUNBOOK.md');
const readYaml = <T>(path: string): T => parse(readFileSync(path, 'utf8')) as T;

const ruleFiles = ruleFileNames();
const testFiles = ruleFiles.map(f => f.replace(/\.yaml$/, '.test.yaml'));
const rules = ruleFiles.flatMap(f => readYaml<RuleFile>(join(RULES_DIR, f)).groups.flatMap(g => g.rules));
const alerts = rules.filter((r): r is Rule & { alert: string } => r.alert !== undefined);
const tests = testFiles.map(f => readYaml<RuleTestFile>(join(RULES_DIR, f)));
const promtool = stackBinary('promtool');
const amtool = stackBinary('amtool');

/** GitHub's anchor for a Markdown heading. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
const runbookAnchors = [...readFileSync(RUNBOOK, 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map(m => slug(m[1]!));

describe('rule files', () => {
  it('each have a promtool test file with the same stem, which loads them', () => {
    expect(ruleFiles).toEqual(['resilience-alerts.yaml', 'resilience-recording.yaml', 'resilience-slo.yaml']);
    ruleFiles.forEach((file, i) => {
      expect(tests[i]!.rule_files, testFiles[i]).toContain(file);
    });
  });

  it('follow the level:metric:operation naming for recording rules', () => {
    for (const r of rules.filter(r => r.record !== undefined))
      expect(r.record).toMatch(/^[a-z_]+:[a-z_]+:[a-z0-9_]+$/);
  });

  it('use only series, labels and values of the telemetry contract', () => {
    const names = telemetryNames();
    for (const r of rules) expect(contractViolations(r.expr, names), r.alert ?? r.record).toEqual([]);
    const inhibitLabels = readYaml<{ inhibit_rules: { equal: string[] }[] }>(
      ALERTMANAGER_CONFIG,
    ).inhibit_rules.flatMap(r => r.equal);
    for (const label of inhibitLabels) expect(names.labels.has(label), label).toBe(true);
  });

  it.skipIf(promtool.skip).each(ruleFiles)('%s passes promtool check rules', file => {
    const result = run(promtool, ['check', 'rules', file], RULES_DIR);
    expect(result.status, result.output).toBe(0);
  });

  it.skipIf(promtool.skip).each(testFiles)('%s passes promtool test rules', file => {
    const result = run(promtool, ['test', 'rules', file], RULES_DIR);
    expect(result.status, result.output).toBe(0);
  });

  it('set `interval` in every test group (required by promtool 2.42)', () => {
    for (const t of tests.flatMap(f => f.tests)) expect(t.interval).toBeDefined();
  });
});

describe.each(alerts)('alert $alert', alert => {
  it('is named Resilience<PascalCase> and has for, severity, summary, description', () => {
    expect(alert.alert).toMatch(/^Resilience[A-Z][A-Za-z]+$/);
    expect(alert.for).toMatch(/^\d+[smh]$/);
    expect(['warning', 'critical']).toContain(alert.labels?.severity);
    expect(alert.annotations?.summary).toBeTruthy();
    expect(alert.annotations?.description).toBeTruthy();
  });

  it('links to its section of dashboards/RUNBOOK.md', () => {
    const url = alert.annotations?.runbook_url ?? '';
    const anchor = alert.alert.toLowerCase();
    expect(url.endsWith(`RUNBOOK.md#${anchor}`), url).toBe(true);
    expect(runbookAnchors).toContain(anchor);
  });

  it('has a promtool case where it fires and one where it does not', () => {
    const cases = tests
      .flatMap(f => f.tests.flatMap(t => t.alert_rule_test ?? []))
      .filter(c => c.alertname === alert.alert);
    expect(
      cases.some(c => (c.exp_alerts ?? []).length > 0),
      'a firing case',
    ).toBe(true);
    expect(
      cases.some(c => (c.exp_alerts ?? []).length === 0),
      'a non-firing case',
    ).toBe(true);
  });
});

describe('runbook', () => {
  it('documents exactly the alerts that exist, with one runbook URL prefix for all', () => {
    const sections = runbookAnchors.filter(
      a => a.startsWith('resilience') && a !== 'runbook-resilience-alerts',
    );
    expect(sections.sort()).toEqual(alerts.map(a => a.alert.toLowerCase()).sort());
    const prefixes = new Set(alerts.map(a => a.annotations!.runbook_url!.replace(/#.*$/, '')));
    expect(prefixes.size).toBe(1);
  });
});

interface PrometheusYaml {
  global: { scrape_interval: string; evaluation_interval: string };
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: {
    job_name: string;
    scrape_interval?: string;
    honor_labels?: boolean;
    static_configs: { targets: string[] }[];
  }[];
}

describe('prometheus.yaml', () => {
  const config = readYaml<PrometheusYaml>(join(PROMETHEUS_DIR, 'prometheus.yaml'));

  it('loads every rule file (and no test file), sends alerts to Alertmanager and scrapes the Collector', () => {
    expect([...config.rule_files].sort()).toEqual(ruleFiles.map(f => `rules/${f}`));
    expect(config.alerting.alertmanagers.flatMap(a => a.static_configs.flatMap(s => s.targets))).toEqual([
      'alertmanager:9093',
    ]);
    const collector = config.scrape_configs.find(s =>
      s.static_configs.some(c => c.targets.includes('otel-collector:8889')),
    );
    expect(collector?.honor_labels).toBe(true);
  });

  it.skipIf(promtool.skip)('passes promtool check config (which also checks the rule files)', () => {
    const result = run(promtool, ['check', 'config', 'prometheus.yaml'], PROMETHEUS_DIR);
    expect(result.status, result.output).toBe(0);
  });
});

describe('alertmanager.yaml', () => {
  it.skipIf(amtool.skip)('passes amtool check-config', () => {
    const result = run(amtool, ['check-config', ALERTMANAGER_CONFIG]);
    expect(result.status, result.output).toBe(0);
  });

  it.skipIf(amtool.skip).each([
    ['critical', 'webhook-critical'],
    ['warning', 'webhook-warning'],
  ])('routes severity=%s to %s', (severity, receiver) => {
    const args = ['config', 'routes', 'test', `--config.file=${ALERTMANAGER_CONFIG}`, `severity=${severity}`];
    const result = run(amtool, [...args, 'alertname=ResilienceCircuitOpen']);
    expect(result.status, result.output).toBe(0);
    expect(result.output.trim().split('\n')[0]).toBe(receiver);
  });

  it('sends resolved notifications to every webhook', () => {
    const config = readYaml<{ receivers: { webhook_configs?: { send_resolved?: boolean }[] }[] }>(
      ALERTMANAGER_CONFIG,
    );
    const webhooks = config.receivers.flatMap(r => r.webhook_configs ?? []);
    expect(webhooks.length).toBeGreaterThan(0);
    for (const w of webhooks) expect(w.send_resolved).toBe(true);
  });
});

/**
 * The compose path of a breaker's state: the SDK exports OTLP every OTEL_METRIC_EXPORT_INTERVAL, the Collector
 * batches it, Prometheus scrapes the Collector, the alert group evaluates, Alertmanager waits group_wait.
 */
function composePagePath(): PagePath {
  const compose = readYaml<{ services: { demo: { environment: Record<string, string> } } }>(
    join(REPO_ROOT, 'docker-compose.yml'),
  );
  const collector = readYaml<{ processors: { batch: { timeout: string } } }>(
    join(REPO_ROOT, 'collector/otel-collector.yaml'),
  );
  const prometheus = readYaml<PrometheusYaml>(join(PROMETHEUS_DIR, 'prometheus.yaml'));
  const job = prometheus.scrape_configs.find(s => s.job_name === 'otel-collector');
  const exportMs = Number(compose.services.demo.environment.OTEL_METRIC_EXPORT_INTERVAL);
  return {
    exportSeconds: exportMs / 1000 + durationSeconds('batch timeout', collector.processors.batch.timeout),
    scrapeSeconds: durationSeconds(
      'scrape_interval',
      job?.scrape_interval ?? prometheus.global.scrape_interval,
    ),
    ...pagingRule(durationSeconds('evaluation_interval', prometheus.global.evaluation_interval)),
    groupWaitSeconds: criticalGroupWaitSeconds(),
  };
}

describe('ResilienceCircuitOpen: time to page (RUNBOOK.md, "Time to page")', () => {
  const paths: [string, PagePath][] = [
    ['the local stack', localPagePath()],
    ['compose', composePagePath()],
  ];

  // A single flap: open for one half-open delay, then a probe closes the breaker. The budget's flap threshold
  // must be longer, with some seconds to spare for the probe call itself.
  it.each(paths)('on %s, a single flap with the SDK default half-open delay never pages', (_, path) => {
    expect(pageBudget(path).flapSeconds).toBeGreaterThan(CIRCUIT_BREAKER_DEFAULTS.halfOpenAfterMs / 1000);
  });

  it('the runbook states the time to page and the flap threshold that the configs give', () => {
    const runbook = readFileSync(RUNBOOK, 'utf8');
    for (const [name, path] of paths) {
      const budget = pageBudget(path);
      expect(runbook, name).toContain(`${budget.earliestSeconds}–${budget.latestSeconds} s`);
      expect(runbook, name).toContain(`shorter than ${budget.flapSeconds} s`);
    }
  });

  it('is unit-tested with the evaluation interval of its rule group', () => {
    const alertTests = tests[ruleFiles.indexOf('resilience-alerts.yaml')]!;
    const { evaluationSeconds } = composePagePath();
    expect(durationSeconds('evaluation_interval', alertTests.evaluation_interval ?? '1m')).toBe(
      evaluationSeconds,
    );
  });
});
