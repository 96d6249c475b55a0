export type { ChaosControl } from './chaos-routes.js';
export { type HealthSummary, healthSummary } from './health.js';
export {
  createMonitorHandler,
  MONITOR_DEFAULTS,
  type MonitorHandler,
  type MonitorOptions,
} from './monitor-handler.js';
export {
  MONITOR_SERVER_DEFAULTS,
  type MonitorServer,
  type MonitorServerOptions,
  startMonitorServer,
} from './monitor-server.js';
