import { type MonitorServer, startMonitorServer } from 'agent-resilience/monitor';
import { startTelemetry, type TelemetryHandle } from 'agent-resilience/otel';
import { UsageError } from './cli.js';

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

/** The monitoring API on a hardened server (timeouts, size limits, loopback unless a token is set). */
export async function listenMonitor(ports: ServerPorts, name: PortName = byFlag): Promise<MonitorServer> {
  const token = process.env.AGENT_RESILIENCE_MONITOR_TOKEN;
  try {
    return await startMonitorServer({
      host: ports.host,
      port: ports.monitorPort,
      ...(token === undefined ? {} : { token }),
    });
  } catch (error) {
    const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
    throw cause?.code === 'EADDRINUSE'
      ? new UsageError(`${name('--monitor-port', ports.monitorPort)} is already in use on ${ports.host}`)
      : error;
  }
}
