/**
 * Builds the policy a scenario describes, through the public API only, with observers on everything an invariant
 * needs: the retry budget's gate calls, fallback events, breaker transitions, the policy's success/failure events.
 * With `throwingHooks` every hook and listener also throws: telemetry and hooks never change an outcome.
 */
import {
  createPolicy,
  createRetryBudget,
  type FallbackEvent,
  type FallbackSpec,
  type PolicyOptions,
  type ResiliencePolicy,
  type RetryBudget,
  type RetryBudgetGate,
} from '../index.js';
import { stateText } from './pipeline-model.js';
import type { FallbackStep, PipelineConfig } from './pipeline-scenario.js';
import { seededRandom } from './prng.js';

/** One call the retry loop made on the budget, in order. */
export type GateEvent = 'call' | 'success' | 'failure' | 'granted' | 'denied';

export interface PipelineUnderTest {
  readonly policy: ResiliencePolicy<string>;
  readonly gateLog: GateEvent[];
  readonly fallbacks: FallbackEvent[];
  /** `onSuccess` + `onFailure` events of the policy (when the scenario listens). */
  readonly settleEvents: { count: number };
  /** Breaker transitions so far (each starts a new half-open episode or ends one). */
  readonly transitions: { count: number };
  /** Budget, breaker, limiter and recovery state, printed like the model prints its own. */
  stateText(): string;
  /** Disposes the policy and the budget (idempotent). */
  dispose(): void;
}

const boom = (): never => {
  throw new Error('hook failed');
};

function fallbackSpec(step: FallbackStep): FallbackSpec<string> {
  const when = step.when === undefined ? {} : { when: step.when };
  if (step.kind === 'value') return { value: 'fb-value', ...when };
  if (step.kind === 'cache') return { cache: { ttlMs: step.ttlMs, maxEntries: step.maxEntries }, ...when };
  const throws = step.throws;
  return {
    factory: () => {
      if (throws) throw new Error('second model down too');
      return 'fb-factory';
    },
    ...when,
  };
}

function budgetOf(config: PipelineConfig): RetryBudget | undefined {
  const b = config.retry?.budget;
  if (b === undefined) return undefined;
  return b.kind === 'token_bucket'
    ? createRetryBudget('budget', { registry: null, ...b })
    : createRetryBudget('budget', { registry: null, ...b, now: () => 0 });
}

/** A gate that records every call the retry loop makes on `budget`, and passes it on. */
function recordingGate(budget: RetryBudget, log: GateEvent[]): RetryBudgetGate {
  return {
    name: budget.name,
    onCall: () => {
      log.push('call');
      budget.onCall();
    },
    onAttemptResult: success => {
      log.push(success ? 'success' : 'failure');
      budget.onAttemptResult(success);
    },
    tryAcquireRetry: () => {
      const granted = budget.tryAcquireRetry();
      log.push(granted ? 'granted' : 'denied');
      return granted;
    },
  };
}

function options(config: PipelineConfig, budget: RetryBudgetGate | undefined): PolicyOptions<string> {
  const c = config;
  return {
    registry: null,
    ...(c.retry && {
      retry: {
        maxRetries: c.retry.maxRetries,
        initialDelayMs: c.retry.initialDelayMs,
        maxDelayMs: c.retry.maxDelayMs,
        maxRetryAfterMs: c.retry.maxRetryAfterMs,
        jitter: 'none',
        ...(budget && { budget }),
        ...(c.throwingHooks && { onRetry: boom }),
      },
    }),
    ...(c.breaker && {
      circuitBreaker: {
        breaker: { kind: 'consecutive', threshold: c.breaker.threshold },
        halfOpenAfterMs: c.breaker.halfOpenAfterMs,
        halfOpenSampling: c.breaker.sampling,
      },
    }),
    ...(c.attemptTimeoutMs !== undefined && { attemptTimeoutMs: c.attemptTimeoutMs }),
    ...(c.totalTimeoutMs !== undefined && { totalTimeoutMs: c.totalTimeoutMs }),
    ...(c.bulkhead && { bulkhead: c.bulkhead }),
    ...(c.rateLimiter && { rateLimiter: c.rateLimiter }),
    ...(c.recovery && {
      recovery: {
        failureThreshold: c.recovery.failureThreshold,
        successThreshold: c.recovery.successThreshold,
        degradedTrafficRatio: c.recovery.degradedTrafficRatio,
        ramp: { kind: 'steps', steps: c.recovery.steps, stepMs: c.recovery.stepMs },
        random: seededRandom(c.seed),
      },
    }),
    ...(c.fallback && { fallback: c.fallback.map(fallbackSpec) }),
  };
}

export function pipelineUnderTest(config: PipelineConfig): PipelineUnderTest {
  const budget = budgetOf(config);
  const gateLog: GateEvent[] = [];
  const policy = createPolicy<string>('model', options(config, budget && recordingGate(budget, gateLog)));
  const fallbacks: FallbackEvent[] = [];
  const settleEvents = { count: 0 };
  const transitions = { count: 0 };
  policy.onFallback(event => fallbacks.push(event));
  policy.circuitBreaker?.onTransition(() => transitions.count++);
  if (config.listeners) {
    policy.onSuccess(() => settleEvents.count++);
    policy.onFailure(() => settleEvents.count++);
  }
  if (config.throwingHooks) {
    policy.onFallback(boom);
    policy.onSuccess(boom);
    policy.onFailure(boom);
    policy.circuitBreaker?.onTransition(boom);
    policy.recovery?.onStateChange(boom);
  }
  return {
    policy,
    gateLog,
    fallbacks,
    settleEvents,
    transitions,
    stateText: () => {
      const breaker = policy.circuitBreaker?.snapshot();
      const b = budget?.snapshot();
      const limiter = policy.rateLimiter?.snapshot();
      const recovery = policy.recovery?.snapshot();
      return stateText({
        breaker: breaker && {
          state: breaker.state,
          successes: breaker.successes,
          failures: breaker.failures,
          ignored: breaker.ignored,
          rejections: breaker.rejections,
        },
        budget: b && { requests: b.requests, retries: b.retries, denied: b.denied, tokens: b.tokens },
        limiter: limiter && { granted: limiter.granted, waited: limiter.waited, rejected: limiter.rejected },
        recovery: recovery && { state: recovery.state, admitted: recovery.admitted, shed: recovery.shed },
      });
    },
    dispose: () => {
      policy.dispose();
      budget?.dispose();
    },
  };
}
