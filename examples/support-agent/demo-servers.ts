import { randomBytes } from 'node:crypto';
import type { ChaosController } from 'agent-resilience';
import { type MonitorServer, startMonitorServer } from 'agent-resilience/monitor';
import { startTelemetry, type TelemetryHandle } from 'agent-resilience/otel';
import { UsageError } from './cli.js';
import { MONITOR_TOKEN_ENV } from './game-day.js';

/** The monitoring API's bearer token, and whether it came from {@link MONITOR_TOKEN_ENV}. */
export interface MonitorToken {
  readonly token: string;
  readonly fromEnv: boolean;
}

/** What a token must look like (the monitoring API's rule): 16-1024 visible ASCII characters. */
const VALID_TOKEN = /^[\x21-\x7e]{16,1024}$/;

/**
 * The bearer token of the demo's monitoring API: {@link MONITOR_TOKEN_ENV}, else a random one for this run. There
 * is always one: the API switches chaos injection, which must never be possible without a token. An invalid
 * variable is a usage error (its value is never repeated).
 */
export function monitorToken(env: NodeJS.ProcessEnv = process.env): MonitorToken {
  const given = env[MONITOR_TOKEN_ENV];
  if (given === undefined || given === '') {
    return { token: randomBytes(24).toString('base64url'), fromEnv: false };
  }
  if (!VALID_TOKEN.test(given)) {
    throw new UsageError(
      `${MONITOR_TOKEN_ENV} must be 16 to 1024 visible ASCII characters (no spaces), got ${given.length} characters`,
    );
  }
  return { token: given, fromEnv: true };
}

/** Where one agent process serves its telemetry and monitoring API. */
export interface ServerPorts {
  readonly host: string;
  readonly metricsPort: number;
  readonly monitorPort: number;
}

/** Names a port in an error: `--metrics-port 9464` by default; a fleet replica says which of its ports. */
export type PortName = (flag: '--metrics-port' | '--monitor-port', port: number) => string;

const byFlag: PortName = (flag, port) => `${flag} ${port}`;

/** Starts OpenTelemetry with its Prometheus /metrics endpoint; a port in use is a usage error. */
export async function listenTelemetry(ports: ServerPorts, name: PortName = byFlag): Promise<TelemetryHandle> {
  return startTelemetry({
    serviceName: 'support-agent',
    serviceVersion: '0.1.0',
    prometheus: { host: ports.host, port: ports.metricsPort },
  }).catch(error => {
    throw /already in use/.test(String(error))
      ? new UsageError(`${name('--metrics-port', ports.metricsPort)} is already in use on ${ports.host}`)
      : error;
  });
}

/** What the monitoring API may change, and the token it asks for before it does. */
export interface MonitorAccess {
  readonly token: string;
  /** Switched by `POST /chaos`. */
  readonly chaos: ChaosController;
}

/** The monitoring API on a hardened server (timeouts, size limits, mutations only with the bearer token). */
export async function listenMonitor(
  ports: ServerPorts,
  access: MonitorAccess,
  name: PortName = byFlag,
): Promise<MonitorServer> {
  try {
    return await startMonitorServer({
      host: ports.host,
      port: ports.monitorPort,
      token: access.token,
      chaos: access.chaos,
    });
  } catch (error) {
    const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
    throw cause?.code === 'EADDRINUSE'
      ? new UsageError(`${name('--monitor-port', ports.monitorPort)} is already in use on ${ports.host}`)
      : error;
  }
}
