/**
 * Chaos injection in the demo: one controller on the primary model's policy (its calls get the faults), switched
 * by the scenario's phases (scenario.ts), by the monitoring API (`POST /chaos` with the bearer token) and, at
 * start, by `AGENT_RESILIENCE_CHAOS`. Off unless one of them turns it on.
 */
import { type ChaosController, type ChaosFaultSpec, type ChaosState, createChaos } from 'agent-resilience';
import type { MonitorToken } from './demo-servers.js';
import { MONITOR_TOKEN_ENV, stormCommand } from './game-day.js';
import type { Phase } from './scenario.js';

/** The demo's controller: settings from `AGENT_RESILIENCE_CHAOS` when set, else off; `random` picks the faults. */
export const createDemoChaos = (random: () => number): ChaosController => createChaos({ env: true, random });

/** Makes `chaos` inject `faults` (a scenario phase's), or nothing when there are none. */
export function injectFaults(chaos: ChaosController, faults: Phase['chaos'] = []): void {
  chaos.configure({ enabled: faults.length > 0, faults });
}

type ChaosFault = ChaosFaultSpec['fault'];

const percent = (rate: number): string => `${Number((rate * 100).toFixed(1))} %`;

/** What chaos injects now, in one line: `on: rate_limited 80 %, latency 4 %`, or `off`. */
export function describeChaos(state: ChaosState): string {
  if (!state.enabled || state.faults.length === 0) return 'off';
  const faults = state.faults.map(f => `${f.fault} ${percent(f.rate)}`).join(', ');
  const scope = Object.entries(state.scope)
    .filter(([, list]) => list !== undefined && list.length > 0)
    .map(([key, list]) => `${key} ${(list as readonly string[]).join('|')}`);
  return `on: ${faults}${scope.length > 0 ? ` (only ${scope.join(', ')})` : ''}`;
}

/** Injections per fault between two states of one controller, the faults with none left out. */
export function injectedBetween(
  before: ChaosState,
  after: ChaosState,
): ReadonlyArray<readonly [ChaosFault, number]> {
  return (Object.entries(after.injections) as [ChaosFault, number][])
    .map(([fault, count]) => [fault, count - (before.injections[fault] ?? 0)] as const)
    .filter(([, count]) => count > 0);
}

/** The summary line of what chaos injected in a cycle; undefined when it injected nothing. */
export function injectedLine(before: ChaosState, after: ChaosState): string | undefined {
  const injected = injectedBetween(before, after);
  if (injected.length === 0) return undefined;
  const counts = injected.map(([fault, count]) => `${fault} ${count}`).join(', ');
  return `Chaos injected into the primary model's attempts (a rehearsal): ${counts} (resilience_chaos_injections_total; injected errors carry resilience_chaos_injected="true")`;
}

/**
 * The command that starts a 429 storm through the monitoring API at `monitorUrl`: with the token itself when the
 * demo made it up, else with the variable the user set (never printed).
 */
export function switchOnCommand(monitorUrl: string, token: MonitorToken): string {
  return stormCommand(monitorUrl, token.fromEnv ? `$${MONITOR_TOKEN_ENV}` : token.token);
}
