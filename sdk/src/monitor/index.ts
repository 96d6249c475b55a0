export { type HealthSummary, healthSummary } from './health.js';
export { createMonitorHandler, type MonitorHandler, type MonitorOptions } from './monitor-handler.js';
