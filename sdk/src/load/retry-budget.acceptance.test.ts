import { describe, expect, it } from 'vitest';
import { createPolicy } from '../pipeline/create-policy.js';
import type { RetryBudgetGate } from '../policies/retry-options.js';
import { httpError } from '../test-support/errors.js';
import { createRetryBudget } from './retry-budget.js';

const CALLS = 10_000;
const FAILURE = httpError(503);

/** Runs `CALLS` logical calls (3 retries, no backoff) against a downstream that always fails; returns its attempts. */
async function downstreamAttempts(budget: RetryBudgetGate | undefined, concurrency: number): Promise<number> {
  const policy = createPolicy('amplification', {
    registry: null,
    retry: { maxRetries: 3, initialDelayMs: 0, jitter: 'none', ...(budget === undefined ? {} : { budget }) },
  });
  let attempts = 0;
  const downstream = async (): Promise<never> => {
    attempts++;
    throw FAILURE;
  };
  for (let done = 0; done < CALLS; done += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, CALLS - done) }, () =>
      policy.execute(downstream).catch(() => undefined),
    );
    await Promise.all(batch);
  }
  return attempts;
}

describe('retry budget acceptance: load amplification with the downstream failing 100 %', () => {
  it('without a budget, 3 retries quadruple the load: exactly 4 x calls', async () => {
    expect(await downstreamAttempts(undefined, 1_000)).toBe(4 * CALLS);
  });

  it('with a 20 % budget, attempts stay <= 1.2 x calls + the floor (minPerSecond x window)', async () => {
    let t = 0;
    const budget = createRetryBudget('acceptance', { registry: null, ratio: 0.2, now: () => t });
    const floor = 10 * 10;
    const attempts = await downstreamAttempts(budget, 1_000);
    expect(attempts).toBeLessThanOrEqual(1.2 * CALLS + floor);
    expect(attempts).toBeGreaterThan(CALLS);
    expect(budget.snapshot()).toMatchObject({ requests: CALLS, retries: attempts - CALLS });
    budget.dispose();

    // One call at a time, the fake clock still: the same bound.
    t = 0;
    const sequential = createRetryBudget('acceptance', { registry: null, ratio: 0.2, now: () => t });
    const serial = await downstreamAttempts(sequential, 50);
    expect(serial).toBeLessThanOrEqual(1.2 * CALLS + floor);
    sequential.dispose();
  });

  it('with a token-bucket budget (gRPC throttling), retries stop after the first few failures', async () => {
    const budget = createRetryBudget('grpc', { registry: null, kind: 'token_bucket' });
    const attempts = await downstreamAttempts(budget, 1_000);
    expect(attempts).toBeLessThanOrEqual(CALLS + 5);
    budget.dispose();
  });
});
