/** Helpers of the shared retry budget's tests and replica script. */
import { createRetryBudget, type RetryBudget } from '../../load/retry-budget.js';
import { createPolicy, type ResiliencePolicy } from '../../pipeline/create-policy.js';
import type { CoordinationState } from '../../semconv.js';
import { httpError } from '../../test-support/errors.js';
import type { RedisCoordinator } from '../redis-coordinator.js';

/** The budget of the fleet tests: 20 % of calls + 1 retry/s over 60 s (one floor = 60 retries). */
export const FLEET_BUDGET = Object.freeze({ ratio: 0.2, minPerSecond: 1, windowMs: 60_000 });
/** `minPerSecond` × window: the floor, once for the fleet when shared. */
export const FLOOR = (FLEET_BUDGET.minPerSecond * FLEET_BUDGET.windowMs) / 1000;

/** Retries a budget allows for `calls` logical calls: ratio × calls + one floor. */
export function allowedRetries(calls: number): number {
  return FLEET_BUDGET.ratio * calls + FLOOR;
}

/** One replica: its budget (shared through `coordinator`, or local) and a policy retrying up to 3 times. */
export interface BudgetReplica {
  readonly budget: RetryBudget;
  readonly policy: ResiliencePolicy;
}

/** A replica with the {@link FLEET_BUDGET} budget; by default its clock stands still (claims never age). */
export function budgetReplica(
  index: number,
  coordinator: RedisCoordinator | undefined,
  now: () => number = () => 0,
): BudgetReplica {
  const budget = createRetryBudget('llm', {
    ...FLEET_BUDGET,
    registry: null,
    now,
    ...(coordinator !== undefined && { shared: coordinator }),
  });
  const policy = createPolicy(`replica-${index}`, {
    registry: null,
    retry: { maxRetries: 3, initialDelayMs: 0, jitter: 'none', budget },
  });
  return { budget, policy };
}

const DOWN = httpError(503);

/** Sends `calls` logical calls, one after the other, to a downstream that always fails; returns its attempts. */
export async function failingCalls(policy: ResiliencePolicy, calls: number): Promise<number> {
  let attempts = 0;
  for (let call = 0; call < calls; call++) {
    await policy
      .execute(async () => {
        attempts++;
        throw DOWN;
      })
      .catch(() => undefined);
  }
  return attempts;
}

/** Resolves once `coordinator` reports `state` (checked every 5 ms, for at most 10 s; then it throws). */
export async function stateReached(coordinator: RedisCoordinator, state: CoordinationState): Promise<void> {
  for (let turn = 0; turn < 2_000 && coordinator.state !== state; turn++) {
    await new Promise(resolve => setTimeout(resolve, 5));
  }
  if (coordinator.state !== state) throw new Error(`the coordinator did not turn ${state} within 10 s`);
}
