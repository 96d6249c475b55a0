/**
 * dashboards/alertmanager/webhook-receiver.mjs, run as a real process on a free port: it accepts an
 * Alertmanager notification, logs one JSON line per alert and lists what it received.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './telemetry-names.js';

const SCRIPT = join(REPO_ROOT, 'dashboards/alertmanager/webhook-receiver.mjs');

/** An Alertmanager v4 webhook payload with one firing alert. */
const notification = {
  version: '4',
  status: 'firing',
  receiver: 'webhook-critical',
  groupLabels: { alertname: 'ResilienceCircuitOpen', service_name: 'support-agent' },
  alerts: [
    {
      status: 'firing',
      labels: {
        alertname: 'ResilienceCircuitOpen',
        severity: 'critical',
        service_name: 'support-agent',
        resilience_policy: 'llm',
      },
      annotations: { summary: 'Circuit breaker llm is open on support-agent' },
      startsAt: '2026-11-23T10:00:00Z',
    },
  ],
};

describe('webhook receiver', () => {
  let child: ChildProcessWithoutNullStreams;
  let baseUrl: string;
  const lines: string[] = [];
  let nextLine: ((line: string) => void) | undefined;

  beforeAll(async () => {
    child = spawn(process.execPath, [SCRIPT], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1' } });
    const rl = createInterface({ input: child.stdout });
    rl.on('line', line => {
      lines.push(line);
      nextLine?.(line);
    });
    const [first] = (await once(rl, 'line')) as [string];
    const port = /listening on port (\d+)/.exec(first)?.[1];
    if (port === undefined) throw new Error(`unexpected first line: ${first}`);
    baseUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  });

  it('answers its health check', async () => {
    const res = await fetch(`${baseUrl}/healthz`);
    expect(res.status).toBe(200);
  });

  it('logs each alert of a notification as one JSON line and lists the notification', async () => {
    const logged = new Promise<string>(resolve => {
      nextLine = resolve;
    });
    const res = await fetch(`${baseUrl}/alerts/critical`, {
      method: 'POST',
      body: JSON.stringify(notification),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ alerts: 1 });
    expect(JSON.parse(await logged)).toMatchObject({
      route: 'critical',
      status: 'firing',
      alertname: 'ResilienceCircuitOpen',
      severity: 'critical',
      labels: { service_name: 'support-agent', resilience_policy: 'llm' },
      summary: 'Circuit breaker llm is open on support-agent',
    });
    const list = (await (await fetch(`${baseUrl}/alerts`)).json()) as { route: string; payload: unknown }[];
    expect(list.at(-1)).toMatchObject({ route: 'critical', payload: notification });
  });

  it('rejects a body that is not JSON and unknown routes', async () => {
    expect((await fetch(`${baseUrl}/alerts`, { method: 'POST', body: 'not json' })).status).toBe(400);
    expect((await fetch(`${baseUrl}/nope`)).status).toBe(404);
  });

  it('stops on SIGTERM', async () => {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
