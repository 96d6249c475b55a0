/**
 * The time to page of ResilienceCircuitOpen: from a breaker opening to the webhook receiving the page, as the
 * configs determine it (dashboards/RUNBOOK.md, "Time to page"). Prometheus sees the opening at its next scrape
 * of a value exported after it, goes pending at the next evaluation, fires at the first evaluation at least
 * `for` later, and sends the alert at once; Alertmanager holds a new group for its `group_wait`, then posts it.
 * The same lags stretch a short opening: one is seen for at most its length plus the export and scrape lags,
 * so an opening shorter than `for` minus those lags (the flap threshold) never pages.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ALERTMANAGER_CONFIG, REPO_ROOT, SCRAPE_INTERVAL_SECONDS } from './configs.js';

/** The goal of issue 8 §5: a breaker that stays open pages within a minute on the local stack. */
export const PAGE_GOAL_SECONDS = 60;

/** The paging alert whose timing this file models. */
export const PAGING_ALERT = 'ResilienceCircuitOpen';

const ALERT_RULES = join(REPO_ROOT, 'dashboards/prometheus/rules/resilience-alerts.yaml');

/** What a path from a breaker to the webhook waits at each hop, in seconds. */
export interface PagePath {
  /**
   * Longest wait for a new breaker state to be served to Prometheus: the SDK's metric export interval plus the
   * Collector's batch timeout; 0 when Prometheus scrapes the app's own /metrics (read at scrape time).
   */
  readonly exportSeconds: number;
  /** Scrape interval of the job that carries the breaker gauge. */
  readonly scrapeSeconds: number;
  /** Evaluation interval of the alert's rule group. */
  readonly evaluationSeconds: number;
  /** The alert's `for`. */
  readonly forSeconds: number;
  /** Alertmanager's `group_wait` on the alert's route. */
  readonly groupWaitSeconds: number;
}

export interface PageBudget {
  /** Earliest page after the opening: the scrape and the evaluation right after it. */
  readonly earliestSeconds: number;
  /** Latest page after the opening: every hop waits its full interval. */
  readonly latestSeconds: number;
  /** From pending to firing: `for` rounded up to whole evaluation intervals. */
  readonly holdSeconds: number;
  /** An opening shorter than this (breaker open or half-open, then closed) never pages. */
  readonly flapSeconds: number;
}

/** The page budget of `path` (see the file comment). */
export function pageBudget(path: PagePath): PageBudget {
  const holdSeconds = Math.ceil(path.forSeconds / path.evaluationSeconds) * path.evaluationSeconds;
  const detectSeconds = path.exportSeconds + path.scrapeSeconds + path.evaluationSeconds;
  return {
    earliestSeconds: holdSeconds + path.groupWaitSeconds,
    latestSeconds: detectSeconds + holdSeconds + path.groupWaitSeconds,
    holdSeconds,
    flapSeconds: path.forSeconds - path.exportSeconds - path.scrapeSeconds,
  };
}

/** `text`, a Prometheus duration made of h, m and s parts ("45s", "1m30s"), in seconds; `what` names it. */
export function durationSeconds(what: string, text: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (text === '' || match === null) {
    throw new RangeError(
      `${what} must be a duration of h, m and s parts such as "45s", got ${JSON.stringify(text)}`,
    );
  }
  const [, h = '0', m = '0', s = '0'] = match;
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly { readonly alert?: string; readonly for?: string }[];
}
interface Route {
  readonly group_wait?: string;
  readonly matchers?: readonly string[];
  readonly routes?: readonly Route[];
}

const readYaml = <T>(path: string): T => parse(readFileSync(path, 'utf8')) as T;

export type PagingRule = Pick<PagePath, 'forSeconds' | 'evaluationSeconds'>;

/**
 * The paging alert's `for` and evaluation interval (its group's `interval`, else `globalEvaluationSeconds`)
 * in dashboards/prometheus/rules/resilience-alerts.yaml.
 */
export function pagingRule(globalEvaluationSeconds: number): PagingRule {
  const { groups } = readYaml<{ groups: readonly RuleGroup[] }>(ALERT_RULES);
  for (const group of groups) {
    const rule = group.rules.find(r => r.alert === PAGING_ALERT);
    if (rule === undefined) continue;
    return {
      forSeconds: durationSeconds(`${PAGING_ALERT}'s for`, rule.for ?? '0s'),
      evaluationSeconds:
        group.interval === undefined
          ? globalEvaluationSeconds
          : durationSeconds(`the interval of rule group ${group.name}`, group.interval),
    };
  }
  throw new Error(`${ALERT_RULES}: no alert ${PAGING_ALERT}`);
}

/** `group_wait` of the route that critical alerts take in dashboards/alertmanager/alertmanager.yaml. */
export function criticalGroupWaitSeconds(): number {
  const root = readYaml<{ route: Route }>(ALERTMANAGER_CONFIG).route;
  const critical = root.routes?.find(r => r.matchers?.includes('severity="critical"'));
  // Alertmanager's default group_wait is 30 s.
  return durationSeconds(
    'group_wait of the critical route',
    critical?.group_wait ?? root.group_wait ?? '30s',
  );
}

/** The local stack's path (npm run stack): Prometheus scrapes the demo's /metrics directly. */
export function localPagePath(): PagePath {
  return {
    exportSeconds: 0,
    scrapeSeconds: SCRAPE_INTERVAL_SECONDS,
    ...pagingRule(SCRAPE_INTERVAL_SECONDS),
    groupWaitSeconds: criticalGroupWaitSeconds(),
  };
}
