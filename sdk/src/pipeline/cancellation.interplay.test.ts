/**
 * Defects found where stages meet (issue 8 §1), continued from stage-interplay.test.ts: caller cancellations (§1.3).
 * Each test failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import {
  CallCancelledError,
  createAgent,
  createCircuitBreaker,
  createFeatureRegistry,
  createPolicy,
  createRecoveryManager,
  createRetryBudget,
  ErrorAggregator,
} from '../index.js';
import { hangUntilAborted } from '../test-support/errors.js';

/** Lets every pending promise reaction and real `setImmediate` run (timers stay faked). */
const drain = () => new Promise<void>(resolve => setImmediate(resolve));

/** Abort reasons callers use; none of them may count as a downstream failure. */
const ABORTS: ReadonlyArray<readonly [string, (c: AbortController) => void]> = [
  ['abort()', c => c.abort()],
  [
    'a TimeoutError (AbortSignal.timeout)',
    c => c.abort(new DOMException('signal timed out', 'TimeoutError')),
  ],
  ['an Error', c => c.abort(new Error('user navigated away'))],
  ['a custom object', c => c.abort({ why: 'shutdown' })],
];

describe('§1.3 a call the caller cancelled is never a failure of the downstream', () => {
  it.each(ABORTS)('abort reason %s: breaker, budget and recovery stay untouched', async (_, abort) => {
    const breaker = createCircuitBreaker('cb', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 3 },
    });
    const budget = createRetryBudget('b', { registry: null, kind: 'token_bucket', maxTokens: 10 });
    const recovery = createRecoveryManager('r', { registry: null, failureThreshold: 1 });
    const errors = new ErrorAggregator();
    const policy = createPolicy('p', {
      registry: null,
      circuitBreaker: breaker,
      recovery,
      attemptTimeoutMs: 60_000,
      retry: { maxRetries: 2, initialDelayMs: 0, budget },
    });
    for (let i = 0; i < 3; i++) {
      const controller = new AbortController();
      const call = policy.execute(hangUntilAborted, { signal: controller.signal }).catch(e => e);
      await drain();
      abort(controller);
      const error = await call;
      expect(error).toBeInstanceOf(CallCancelledError);
      errors.record(error);
    }
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot()).toMatchObject({ failures: 0, consecutiveFailures: 0 });
    expect(recovery.state).toBe('healthy');
    expect(budget.snapshot()).toMatchObject({ tokens: 10 });
    expect(errors.total()).toBe(0);
    policy.dispose();
    breaker.dispose();
    budget.dispose();
    recovery.dispose();
  });

  it('a client error thrown after the caller aborted (not the abort reason) is still a cancellation', async () => {
    const breaker = createCircuitBreaker('cb', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
    });
    const policy = createPolicy('p', { registry: null, circuitBreaker: breaker });
    const controller = new AbortController();
    const call = policy
      .execute(
        ({ signal }) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () =>
              reject(Object.assign(new Error('terminated'), { status: 503 })),
            ),
          ),
        { signal: controller.signal },
      )
      .catch(e => e);
    await drain();
    controller.abort(new DOMException('signal timed out', 'TimeoutError'));
    expect(await call).toBeInstanceOf(CallCancelledError);
    expect(breaker.state).toBe('closed');
    policy.dispose();
    breaker.dispose();
  });

  it('AbortSignal.timeout(5) on three calls leaves the breaker closed', async () => {
    const breaker = createCircuitBreaker('cb', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 3 },
    });
    const policy = createPolicy('p', { registry: null, circuitBreaker: breaker });
    for (let i = 0; i < 3; i++) {
      const error = await policy.execute(hangUntilAborted, { signal: AbortSignal.timeout(5) }).catch(e => e);
      expect(error).toBeInstanceOf(CallCancelledError);
    }
    expect(breaker.state).toBe('closed');
    policy.dispose();
    breaker.dispose();
  });

  it.each(ABORTS)('abort reason %s: the feature registry does not count it', async (_, abort) => {
    const features = createFeatureRegistry({ registry: null });
    const summaries = features.define('summaries', { fallback: 'n/a', errorThreshold: 1 });
    const controller = new AbortController();
    const call = features
      .executeIfEnabled(summaries, () => hangUntilAborted(controller), { signal: controller.signal })
      .catch(e => e);
    await drain();
    abort(controller);
    await call;
    expect(summaries.enabled).toBe(true);
    expect(summaries.snapshot().errorsInWindow).toBe(0);
    features.dispose();
  });

  it('agent.cancel(thread, reason) does not count against the model’s breaker', async () => {
    const breaker = createCircuitBreaker('cb', {
      registry: null,
      breaker: { kind: 'consecutive', threshold: 1 },
    });
    const agent = createAgent('support', {
      registry: null,
      retry: false,
      models: { circuitBreaker: breaker },
    });
    const run = agent.run(r => r.model('gpt', hangUntilAborted), { threadId: 't1' }).catch(e => e);
    await drain();
    expect(agent.cancel('t1', new Error('user left'))).toBe(1);
    expect(await run).toBeInstanceOf(CallCancelledError);
    expect(breaker.state).toBe('closed');
    agent.dispose();
    breaker.dispose();
  });
});
