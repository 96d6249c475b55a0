import { MAX_TIMER_MS } from '../../util/timers.js';
import { isErrorFault } from './settings.js';
import type { ChaosCallInfo, ChaosFaultSpec, ChaosLatencyDistribution, ChaosScope } from './types.js';

/**
 * A configuration as the hot path reads it: built once per `configure`, never mutated. The faults are split in
 * the two families that combine (one latency, plus one error or stream fault), per kind of call.
 */
export interface ChaosConfig {
  /** The faults as configured (for `state()`). */
  readonly faults: readonly ChaosFaultSpec[];
  /** The scope as configured (for `state()`). */
  readonly scope: ChaosScope;
  readonly latency: readonly ChaosFaultSpec[];
  /** Error faults: what a call made with `execute` may get. */
  readonly callFailures: readonly ChaosFaultSpec[];
  /** Error and stream faults, in their configured order: what a streamed call may get. */
  readonly streamFailures: readonly ChaosFaultSpec[];
  readonly policies: ReadonlySet<string> | undefined;
  readonly models: ReadonlySet<string> | undefined;
  readonly tenants: ReadonlySet<string> | undefined;
}

/** What chaos does to one attempt. */
export interface ChaosPlan {
  /** Delay before the attempt, in ms, when a `latency` fault hit. */
  readonly latencyMs: number | undefined;
  /** The error or stream fault that hit, if any. */
  readonly failure: ChaosFaultSpec | undefined;
}

const asSet = (list: readonly string[] | undefined) => (list === undefined ? undefined : new Set(list));

/** Builds the hot-path form of validated faults and scope. */
export function compileConfig(faults: readonly ChaosFaultSpec[], scope: ChaosScope): ChaosConfig {
  return Object.freeze({
    faults,
    scope,
    latency: faults.filter(f => f.fault === 'latency'),
    callFailures: faults.filter(f => isErrorFault(f.fault)),
    streamFailures: faults.filter(f => f.fault !== 'latency'),
    policies: asSet(scope.policies),
    models: asSet(scope.models),
    tenants: asSet(scope.tenants),
  });
}

const matches = (set: ReadonlySet<string> | undefined, value: string | undefined) =>
  set === undefined || (value !== undefined && set.has(value));

/**
 * Rolls the dice for one attempt of `policy`'s call: `undefined` when the call is out of scope or no fault hit.
 * Each family takes one draw of `random` (none when it has no fault for this kind of call) and gives each of its
 * faults a slice of [0, 1) as wide as its rate, in order, so a fault hits exactly its rate of the attempts.
 */
export function planAttempt(
  config: ChaosConfig,
  random: () => number,
  policy: string,
  call: ChaosCallInfo,
): ChaosPlan | undefined {
  if (
    !matches(config.policies, policy) ||
    !matches(config.models, call.model) ||
    !matches(config.tenants, call.tenant)
  ) {
    return undefined;
  }
  const latency = pick(config.latency, random);
  const failure = pick(call.streamed ? config.streamFailures : config.callFailures, random);
  if (latency === undefined && failure === undefined) return undefined;
  return {
    latencyMs: latency === undefined ? undefined : sampleLatency(latency.latencyMs ?? 0, random),
    failure,
  };
}

function pick(faults: readonly ChaosFaultSpec[], random: () => number): ChaosFaultSpec | undefined {
  if (faults.length === 0) return undefined;
  const draw = random();
  let edge = 0;
  for (const fault of faults) {
    edge += fault.rate;
    if (draw < edge) return fault;
  }
  return undefined;
}

/** The standard normal quantile of 0.99. */
const Z_99 = 2.3263478740408408;

/**
 * A delay in ms: the fixed value, or a draw from the log-normal distribution with the given median and 99th
 * percentile (Box-Muller on two draws of `random`), capped at the largest timer delay.
 */
export function sampleLatency(latency: number | ChaosLatencyDistribution, random: () => number): number {
  if (typeof latency === 'number') return latency;
  const { p50Ms, p99Ms } = latency;
  const sigma = Math.log(p99Ms / p50Ms) / Z_99;
  const u1 = 1 - random(); // in (0, 1]: log(u1) is finite
  const u2 = random();
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return Math.min(p50Ms * Math.exp(sigma * z), MAX_TIMER_MS);
}
