/**
 * States of the one-hot state gauges, ordered from healthy to worst as `oneHotStateIndex` encodes them, and how
 * state timelines show each index. Shared by every panel that draws the same gauge.
 */
import type { StateMapping } from './panels.js';

/** `resilience_circuit_breaker_state` values. */
export const BREAKER_STATES = ['closed', 'half_open', 'open', 'isolated'] as const;
export const BREAKER_STATE_MAPPINGS: readonly StateMapping[] = [
  { value: 0, text: 'closed', color: 'green' },
  { value: 1, text: 'half-open', color: 'yellow' },
  { value: 2, text: 'open', color: 'red' },
  { value: 3, text: 'isolated', color: 'purple' },
];

/** `resilience_coordination_state` values. */
export const COORDINATION_STATES = ['connected', 'degraded'] as const;
export const COORDINATION_STATE_MAPPINGS: readonly StateMapping[] = [
  { value: 0, text: 'connected', color: 'green' },
  { value: 1, text: 'degraded (local state)', color: 'orange' },
];
