/**
 * The parts of Prometheus' HTTP API (v1) and of the webhook receiver's GET /alerts that the end-to-end stack
 * test reads. Every call is bounded (getJson's timeout); errors carry Prometheus' own error text.
 */
import { getJson } from '../scripts/stack/poll.js';

interface ApiResponse<T> {
  readonly status: 'success' | 'error';
  readonly data: T;
  readonly error?: string;
}

export interface PrometheusAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly state: 'pending' | 'firing';
  readonly activeAt: string;
}

export interface RangeSeries {
  readonly metric: Readonly<Record<string, string>>;
  /** [unix seconds, value as text: a number, "NaN", "+Inf"…] */
  readonly values: readonly (readonly [number, string])[];
}

export interface InstantSample {
  readonly metric: Readonly<Record<string, string>>;
  /** [unix seconds, value as text] */
  readonly value: readonly [number, string];
}

export interface Target {
  readonly labels: Readonly<Record<string, string>>;
  readonly health: 'up' | 'down' | 'unknown';
  readonly lastError: string;
}

async function postForm<T>(url: string, form: Record<string, string>): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    body: new URLSearchParams(form),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as ApiResponse<T>;
  if (body.status !== 'success') throw new Error(`POST ${url}: ${body.error ?? response.status}`);
  return body.data;
}

export class PrometheusApi {
  constructor(readonly baseUrl: string) {}

  async alerts(): Promise<PrometheusAlert[]> {
    return (await getJson<ApiResponse<{ alerts: PrometheusAlert[] }>>(`${this.baseUrl}/api/v1/alerts`)).data
      .alerts;
  }

  async targets(): Promise<Target[]> {
    return (await getJson<ApiResponse<{ activeTargets: Target[] }>>(`${this.baseUrl}/api/v1/targets`)).data
      .activeTargets;
  }

  /** An instant query at the latest evaluation time. */
  query(expr: string): Promise<{ result: InstantSample[] }> {
    return postForm(`${this.baseUrl}/api/v1/query`, { query: expr });
  }

  /** A range query; times in unix seconds, step in seconds. */
  queryRange(expr: string, start: number, end: number, step: number): Promise<{ result: RangeSeries[] }> {
    return postForm(`${this.baseUrl}/api/v1/query_range`, {
      query: expr,
      start: String(start),
      end: String(end),
      step: String(step),
    });
  }

  /** Values of `label` on the series matching `selector` between start and end (unix seconds). */
  async labelValues(label: string, selector: string, start: number, end: number): Promise<string[]> {
    const query = new URLSearchParams({ 'match[]': selector, start: String(start), end: String(end) });
    const url = `${this.baseUrl}/api/v1/label/${encodeURIComponent(label)}/values?${query}`;
    return (await getJson<ApiResponse<string[]>>(url)).data;
  }
}

/** One notification as kept by dashboards/alertmanager/webhook-receiver.mjs (GET /alerts). */
export interface ReceivedNotification {
  readonly route: string;
  readonly receivedAt: string;
  readonly payload: {
    readonly status: 'firing' | 'resolved';
    readonly alerts: readonly {
      readonly status: 'firing' | 'resolved';
      readonly labels: Readonly<Record<string, string>>;
      readonly startsAt: string;
      readonly endsAt: string;
    }[];
  };
}

export function receivedNotifications(webhookUrl: string): Promise<ReceivedNotification[]> {
  return getJson<ReceivedNotification[]>(`${webhookUrl}/alerts`);
}
