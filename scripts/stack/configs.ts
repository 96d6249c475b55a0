/**
 * The configs of the local stack, derived from the repository's own files so that the stack runs what
 * docker-compose.yml runs:
 * - Prometheus: dashboards/prometheus/prometheus.yaml with the same rule files (loaded from the repository), the
 *   Collector's scrape target replaced by the demo's embedded /metrics (same series names and labels), its own
 *   and Alertmanager's address on 127.0.0.1, and short intervals (SCRAPE_INTERVAL_SECONDS, for every job and
 *   for the rule groups without an `interval` of their own) so alerts and rates react within seconds.
 * - Alertmanager: dashboards/alertmanager/alertmanager.yaml with every webhook URL pointed at the local webhook
 *   receiver (same path, so routes stay visible); routes, timings and inhibitions unchanged.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { HOST, type StackPorts } from './ports.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PROMETHEUS_CONFIG = join(REPO_ROOT, 'dashboards/prometheus/prometheus.yaml');
export const ALERTMANAGER_CONFIG = join(REPO_ROOT, 'dashboards/alertmanager/alertmanager.yaml');

/**
 * Scrape and rule evaluation interval of the local stack. The repository's 15 s (docker compose) would make
 * the demo's short scenario hard to follow; 2 s keeps Prometheus light and the alert latency close to the
 * rules' `for`. Grafana's `$__rate_interval` for this interval is 4 × 2 s = 8 s. A rule group with its own
 * `interval` (resilience-alerts: 5 s) keeps it, as in compose.
 */
export const SCRAPE_INTERVAL_SECONDS = 2;

/** job label of the demo's series (with the Collector, job = service.name). */
export const DEMO_JOB = 'support-agent';

const COLLECTOR_TARGET = 'otel-collector:8889';
const ALERTMANAGER_TARGET = 'alertmanager:9093';
const SELF_TARGET = 'localhost:9090';
const WEBHOOK_ORIGIN = 'http://webhook-receiver:8080';

export interface StaticConfig {
  targets: string[];
  labels?: Record<string, string>;
}
export interface ScrapeConfig {
  job_name: string;
  honor_labels?: boolean;
  static_configs: StaticConfig[];
  [key: string]: unknown;
}
export interface PrometheusConfig {
  global?: Record<string, unknown>;
  rule_files?: string[];
  alerting?: { alertmanagers?: { static_configs?: StaticConfig[] }[] };
  scrape_configs?: ScrapeConfig[];
  [key: string]: unknown;
}
export interface AlertmanagerConfig {
  receivers?: { name: string; webhook_configs?: { url: string; [key: string]: unknown }[] }[];
  [key: string]: unknown;
}

const readYaml = <T>(path: string): T => parse(readFileSync(path, 'utf8')) as T;

/** A config that no longer has the shape this derivation expects: fail loudly rather than run something else. */
class ConfigShapeError extends Error {}

/** The Prometheus config of the local stack, derived from dashboards/prometheus/prometheus.yaml. */
export function prometheusConfig(ports: StackPorts, source = PROMETHEUS_CONFIG): PrometheusConfig {
  const config = readYaml<PrometheusConfig>(source);
  const interval = `${SCRAPE_INTERVAL_SECONDS}s`;
  const baseDir = dirname(source);
  const replaceTargets = (targets: string[], from: string, to: string): string[] =>
    targets.map(t => (t === from ? to : t));

  let scrapesDemo = false;
  const scrapeConfigs = (config.scrape_configs ?? []).map(job => {
    const targets = job.static_configs.flatMap(s => s.targets);
    if (targets.includes(COLLECTOR_TARGET)) {
      scrapesDemo = true;
      return {
        ...job,
        job_name: DEMO_JOB,
        // The Collector job's own (compose) interval would override the global one.
        scrape_interval: interval,
        scrape_timeout: interval,
        static_configs: job.static_configs.map(s => ({
          ...s,
          targets: replaceTargets(s.targets, COLLECTOR_TARGET, `${HOST}:${ports.metrics}`),
        })),
      };
    }
    if (targets.includes(SELF_TARGET)) {
      return {
        ...job,
        static_configs: job.static_configs.map(s => ({
          ...s,
          targets: replaceTargets(s.targets, SELF_TARGET, `${HOST}:${ports.prometheus}`),
        })),
      };
    }
    throw new ConfigShapeError(`${source}: unexpected scrape job ${job.job_name} (targets ${targets})`);
  });
  if (!scrapesDemo) throw new ConfigShapeError(`${source}: no scrape job targets ${COLLECTOR_TARGET}`);

  const alertmanagers = (config.alerting?.alertmanagers ?? []).map(am => ({
    ...am,
    static_configs: (am.static_configs ?? []).map(s => ({
      ...s,
      targets: replaceTargets(s.targets, ALERTMANAGER_TARGET, `${HOST}:${ports.alertmanager}`),
    })),
  }));
  const amTargets = alertmanagers.flatMap(am => am.static_configs.flatMap(s => s.targets));
  if (amTargets.join() !== `${HOST}:${ports.alertmanager}`) {
    throw new ConfigShapeError(`${source}: expected one Alertmanager target ${ALERTMANAGER_TARGET}`);
  }

  return {
    ...config,
    global: {
      ...config.global,
      scrape_interval: interval,
      scrape_timeout: interval,
      evaluation_interval: interval,
    },
    // The repository's rule files, unchanged (absolute paths: the derived config lives in a temp dir).
    rule_files: (config.rule_files ?? []).map(f => (isAbsolute(f) ? f : resolve(baseDir, f))),
    alerting: { ...config.alerting, alertmanagers },
    scrape_configs: scrapeConfigs,
  };
}

/** The Alertmanager config of the local stack, derived from dashboards/alertmanager/alertmanager.yaml. */
export function alertmanagerConfig(ports: StackPorts, source = ALERTMANAGER_CONFIG): AlertmanagerConfig {
  const config = readYaml<AlertmanagerConfig>(source);
  const receivers = (config.receivers ?? []).map(r => ({
    ...r,
    ...(r.webhook_configs === undefined
      ? {}
      : {
          webhook_configs: r.webhook_configs.map(w => {
            if (!w.url.startsWith(`${WEBHOOK_ORIGIN}/`)) {
              throw new ConfigShapeError(`${source}: receiver ${r.name} posts to ${w.url}, not the receiver`);
            }
            return { ...w, url: `http://${HOST}:${ports.webhook}${w.url.slice(WEBHOOK_ORIGIN.length)}` };
          }),
        }),
  }));
  return { ...config, receivers };
}

export interface WrittenConfigs {
  readonly prometheus: string;
  readonly alertmanager: string;
}

/** Writes both configs into `dir`; returns their paths. */
export function writeConfigs(dir: string, ports: StackPorts): WrittenConfigs {
  const header = (source: string) =>
    `# Generated by scripts/stack (npm run stack) from ${source.slice(REPO_ROOT.length)}; do not edit.\n`;
  const prometheus = join(dir, 'prometheus.yaml');
  const alertmanager = join(dir, 'alertmanager.yaml');
  writeFileSync(prometheus, header(PROMETHEUS_CONFIG) + stringify(prometheusConfig(ports)));
  writeFileSync(alertmanager, header(ALERTMANAGER_CONFIG) + stringify(alertmanagerConfig(ports)));
  return { prometheus, alertmanager };
}
