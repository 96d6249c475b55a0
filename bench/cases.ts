import { createPolicy } from 'agent-resilience';
import {
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleAll,
  retry,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import CircuitBreaker from 'opossum';
import type { BenchCase } from './harness.js';
import { type OtelState, useOtel } from './otel-states.js';

const fn = async (): Promise<number> => 1;
/** A function that reads its signal, as a real client does: ours then makes the call its own signal. */
const readsSignal = async ({ signal }: { signal: AbortSignal }): Promise<number> => (signal.aborted ? 0 : 1);

/** The parts every compared pipeline has: retry (3, exponential), consecutive breaker (5, 10 s), 1 s timeout. */
const cockatiel = (withTimeout: boolean) => {
  const parts = [
    retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() }),
    circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
  ] as const;
  return withTimeout ? wrap(...parts, timeout(1_000, TimeoutStrategy.Cooperative)) : wrap(...parts);
};

const ours = (withTimeout: boolean) =>
  createPolicy(`bench.${withTimeout ? 'timeout' : 'plain'}`, {
    registry: null,
    retry: { maxRetries: 3 },
    circuitBreaker: { breaker: { kind: 'consecutive', threshold: 5 }, halfOpenAfterMs: 10_000 },
    ...(withTimeout ? { attemptTimeoutMs: 1_000 } : {}),
  });

/** Calls made by the full-telemetry case, to check that no span was dropped. */
export const fullTelemetryCalls = { count: 0 };

const withOtel = (state: OtelState) => ({ setup: () => useOtel(state), teardown: () => useOtel('none') });

/** Names of the cases, used for the report's ratios. */
export const CASE = {
  bare: 'bare await fn()',
  cockatielNoTimeout: 'cockatiel wrap(retry, breaker)',
  cockatiel: 'cockatiel wrap(retry, breaker, timeout)',
  opossum: 'opossum breaker (defaults)',
  oursNoTimeout: 'ours retry+breaker, no OTel SDK (a)',
  oursReadsSignal: 'ours retry+breaker, fn reads its signal, no OTel SDK',
  oursNoop: 'ours retry+breaker+timeout, no OTel SDK (a)',
  oursMetrics: 'ours retry+breaker+timeout, metrics SDK (b)',
  oursFull: 'ours retry+breaker+timeout, metrics + batch spans (c)',
  oursFullAls: 'ours (c) + AsyncLocalStorage context manager',
} as const;

/** The success-path cases of issue 2 §5 (all of them, or those named in `only`). */
export function successPathCases(only?: readonly string[]): BenchCase[] {
  const cockatielPlain = cockatiel(false);
  const cockatielTimeout = cockatiel(true);
  const opossum = new CircuitBreaker(fn);
  const plain = ours(false);
  const timed = ours(true);
  const full = ours(true);
  const all: BenchCase[] = [
    { name: CASE.bare, run: fn },
    { name: CASE.cockatielNoTimeout, run: () => cockatielPlain.execute(fn) },
    { name: CASE.cockatiel, run: () => cockatielTimeout.execute(fn) },
    { name: CASE.opossum, run: () => opossum.fire() },
    { name: CASE.oursNoTimeout, run: () => plain.execute(fn), ...withOtel('none') },
    { name: CASE.oursReadsSignal, run: () => plain.execute(readsSignal), ...withOtel('none') },
    { name: CASE.oursNoop, run: () => timed.execute(fn), ...withOtel('none') },
    { name: CASE.oursMetrics, run: () => timed.execute(fn), ...withOtel('metrics') },
    {
      name: CASE.oursFull,
      run: () => {
        fullTelemetryCalls.count++;
        return full.execute(fn);
      },
      ...withOtel('metrics+spans'),
    },
    {
      name: CASE.oursFullAls,
      run: () => {
        fullTelemetryCalls.count++;
        return full.execute(fn);
      },
      ...withOtel('metrics+spans+als'),
    },
  ];
  return only === undefined ? all : all.filter(c => only.includes(c.name));
}
