import { createPolicy } from 'agent-resilience';
import {
  circuitBreaker,
  ExponentialBackoff,
  handleAll,
  retry,
  SamplingBreaker,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import CircuitBreaker from 'opossum';

/** Retained heap per instance and timers left behind, for one kind of policy. */
export interface MemoryResult {
  readonly kind: string;
  readonly bytesPerInstance: number;
  /** Active timers added by creating the instances (should be 0: no per-policy timers). */
  readonly timersAdded: number;
}

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 4; i++) collect();
};
const timers = (): number => process.getActiveResourcesInfo().filter(r => r === 'Timeout').length;

function measure(kind: string, count: number, make: (i: number) => unknown): MemoryResult {
  gc();
  const timersBefore = timers();
  const before = process.memoryUsage().heapUsed;
  const kept: unknown[] = new Array(count);
  for (let i = 0; i < count; i++) kept[i] = make(i);
  gc();
  const after = process.memoryUsage().heapUsed;
  const result = {
    kind,
    bytesPerInstance: Math.round((after - before) / count),
    timersAdded: timers() - timersBefore,
  };
  kept.length = 0;
  return result;
}

/** Bytes per instance for 10,000 instances of each pipeline with retry, breaker and timeout. */
export function measureMemory(count = 10_000): MemoryResult[] {
  const opossums: CircuitBreaker[] = [];
  const results = [
    measure('ours createPolicy(retry, sampling breaker, timeout)', count, i =>
      createPolicy(`m${i}`, {
        registry: null,
        retry: {},
        circuitBreaker: { breaker: { kind: 'sampling', threshold: 0.2, durationMs: 10_000 } },
        attemptTimeoutMs: 1_000,
      }),
    ),
    measure('cockatiel wrap(retry, sampling breaker, timeout)', count, () =>
      wrap(
        retry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() }),
        circuitBreaker(handleAll, {
          halfOpenAfter: 10_000,
          breaker: new SamplingBreaker({ threshold: 0.2, duration: 10_000 }),
        }),
        timeout(1_000, TimeoutStrategy.Cooperative),
      ),
    ),
    measure('opossum new CircuitBreaker(fn) (defaults)', count, () => {
      const breaker = new CircuitBreaker(async () => 1);
      opossums.push(breaker);
      return breaker;
    }),
  ];
  for (const breaker of opossums) breaker.shutdown();
  return results;
}
