import type { MetricAttributes } from '@opentelemetry/api';
import { registerUntilDisposed } from '../core/registry.js';
import type { RetryBudgetGate } from '../policies/retry-options.js';
import {
  ATTR_RESILIENCE_RETRY_BUDGET,
  EVENT_REJECTION,
  METRIC_REJECTIONS,
  METRIC_RETRY_BUDGET_AVAILABLE,
  METRIC_RETRY_BUDGET_CAPACITY,
} from '../semconv.js';
import { type Clock, monotonicNow, registerGauges } from './internal.js';
import {
  type RetryBudgetOptions,
  resolveRetryBudgetOptions,
  type SlidingWindowBudgetConfig,
  type TokenBucketBudgetConfig,
} from './retry-budget-options.js';
import { RollingCounter } from './rolling-window.js';
import {
  type FleetBudgetFigures,
  FleetBudgetView,
  type SharedRetryBudgetStatus,
} from './shared-retry-budget-view.js';

/** What the monitoring API reports for a retry budget. */
export interface RetryBudgetSnapshot {
  readonly name: string;
  readonly kind: 'sliding_window' | 'token_bucket';
  /** Retries the budget would allow right now (the {@link METRICS}.retryBudgetAvailable gauge). */
  readonly available: number;
  /** Retries it allows at most (the {@link METRICS}.retryBudgetCapacity gauge). */
  readonly capacity: number;
  /** Logical calls in the window (sliding window) or since creation (token bucket). */
  readonly requests: number;
  /** Retries granted in the window (sliding window) or since creation (token bucket). */
  readonly retries: number;
  /** Retries refused since creation. */
  readonly denied: number;
  /** Current token count (token bucket only). */
  readonly tokens?: number;
  /**
   * Shared budgets only: whose figures `available`, `capacity`, `requests` and `retries` are. `fleet`: the whole
   * fleet's (its last exchange, normally at most 250 ms old, plus this replica's counts since); `local`: this
   * replica's own (no exchange succeeded for 1 s, or none yet: the budget decides on its local counters).
   * `denied` is always this replica's.
   */
  readonly scope?: 'fleet' | 'local';
  /** Shared budgets only: the link to the fleet. */
  readonly shared?: SharedRetryBudgetStatus;
  readonly config: Readonly<Record<string, number | string>>;
}

/** A shared retry budget: pass it to any number of policies as `retry: { budget }`. */
export interface RetryBudget extends RetryBudgetGate {
  readonly kind: 'sliding_window' | 'token_bucket';
  /** Retries the budget would allow right now. */
  readonly available: number;
  /** Retries it allows at most (sliding window: at the current call volume). */
  readonly capacity: number;
  snapshot(): RetryBudgetSnapshot;
  /** Leaves the registry and stops the gauges. */
  dispose(): void;
}

const EPSILON = 1e-9;
const REQUESTS = 0;
const RETRIES = 1;

/** Gauges, registration and the denied count every budget shares. */
abstract class BudgetBase implements RetryBudget {
  abstract readonly kind: 'sliding_window' | 'token_bucket';
  protected denied = 0;
  private readonly cleanups: Array<() => void> = [];

  constructor(readonly name: string) {
    const attributes: MetricAttributes = Object.freeze({ [ATTR_RESILIENCE_RETRY_BUDGET]: name });
    const gauge = registerGauges({
      observers: {
        retryBudgetAvailable: report => report(this.available, attributes),
        retryBudgetCapacity: report => report(this.capacity, attributes),
      },
    });
    this.cleanups.push(() => gauge.dispose());
  }

  abstract get available(): number;
  abstract get capacity(): number;
  abstract onCall(): void;
  abstract onAttemptResult(success: boolean): void;
  abstract tryAcquireRetry(): boolean;
  abstract snapshot(): RetryBudgetSnapshot;

  /** @internal Registers cleanup for {@link dispose}. */
  onDispose(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  dispose(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}

/**
 * Finagle's retry budget over a bucketed sliding window (see `SlidingWindowBudgetOptions`). Shared, it decides
 * on the fleet's figures while it has a fresh exchange with the fleet, and on its local counters otherwise.
 */
class SlidingWindowBudget extends BudgetBase {
  readonly kind = 'sliding_window';
  private readonly counter: RollingCounter;
  private readonly floor: number;
  /** @internal The fleet side (`shared` given). */
  readonly fleet: FleetBudgetView | undefined;

  constructor(
    name: string,
    private readonly config: SlidingWindowBudgetConfig,
    now: Clock,
  ) {
    super(name);
    this.counter = new RollingCounter(config.windowMs, config.buckets, 2, now);
    this.floor = (config.minPerSecond * config.windowMs) / 1000;
    const { shared } = config;
    if (shared !== undefined) {
      const fleet = new FleetBudgetView(name, { ...config, shared }, now);
      this.fleet = fleet;
      this.onDispose(() => fleet.dispose());
    }
  }

  /** This replica's calls and retries in the window. */
  private local(): FleetBudgetFigures {
    return { requests: this.counter.total(REQUESTS), retries: this.counter.total(RETRIES) };
  }

  /** Retries allowed in the window for `requests` calls: `ratio` × calls + the floor. */
  private allowance(requests: number): number {
    return this.config.ratio * requests + this.floor;
  }

  private availableOf({ requests, retries }: FleetBudgetFigures): number {
    return Math.max(0, Math.floor(this.allowance(requests) - retries + EPSILON));
  }

  /** Fleet figures while the fleet exchange is fresh, else this replica's. */
  get available(): number {
    return this.availableOf(this.fleet?.figures() ?? this.local());
  }

  get capacity(): number {
    return Math.floor(this.allowance((this.fleet?.figures() ?? this.local()).requests) + EPSILON);
  }

  onCall(): void {
    this.counter.add(REQUESTS);
    this.fleet?.onCall();
  }

  onAttemptResult(): void {}

  tryAcquireRetry(): boolean {
    const allowed =
      this.fleet?.allows() ??
      this.counter.total(RETRIES) + 1 <= this.allowance(this.counter.total(REQUESTS)) + EPSILON;
    if (allowed) {
      // Counted locally too: a replica that loses the fleet goes on from its own recent retries.
      this.counter.add(RETRIES);
      this.fleet?.onRetry();
      return true;
    }
    this.denied++;
    return false;
  }

  snapshot(): RetryBudgetSnapshot {
    const { ratio, minPerSecond, windowMs } = this.config;
    const fleet = this.fleet?.figures();
    const figures = fleet ?? this.local();
    return {
      name: this.name,
      kind: this.kind,
      available: this.availableOf(figures),
      capacity: Math.floor(this.allowance(figures.requests) + EPSILON),
      ...figures,
      denied: this.denied,
      ...(this.fleet === undefined
        ? {}
        : { scope: fleet === undefined ? 'local' : 'fleet', shared: this.fleet.status() }),
      config: { ratio, minPerSecond, windowMs },
    };
  }
}

/** gRPC retry throttling (see `TokenBucketBudgetOptions`). */
class TokenBucketBudget extends BudgetBase {
  readonly kind = 'token_bucket';
  private tokens: number;
  private requests = 0;
  private retries = 0;

  constructor(
    name: string,
    private readonly config: TokenBucketBudgetConfig,
  ) {
    super(name);
    this.tokens = config.maxTokens;
  }

  /** Failed retries the bucket can absorb before it throttles: each costs a token, retrying needs > max/2. */
  get available(): number {
    return Math.max(0, Math.ceil(this.tokens - this.config.maxTokens / 2 - EPSILON));
  }

  get capacity(): number {
    return Math.ceil(this.config.maxTokens / 2 - EPSILON);
  }

  onCall(): void {
    this.requests++;
  }

  onAttemptResult(success: boolean): void {
    const { maxTokens, tokenRatio } = this.config;
    this.tokens = success ? Math.min(maxTokens, this.tokens + tokenRatio) : Math.max(0, this.tokens - 1);
  }

  tryAcquireRetry(): boolean {
    if (this.tokens > this.config.maxTokens / 2 + EPSILON) {
      this.retries++;
      return true;
    }
    this.denied++;
    return false;
  }

  snapshot(): RetryBudgetSnapshot {
    const { maxTokens, tokenRatio } = this.config;
    return {
      name: this.name,
      kind: this.kind,
      available: this.available,
      capacity: this.capacity,
      requests: this.requests,
      retries: this.retries,
      denied: this.denied,
      tokens: this.tokens,
      config: { maxTokens, tokenRatio },
    };
  }
}

/**
 * Creates a retry budget to share between policies (`retry: { budget }`), e.g. one per process or per agent,
 * so retries can never multiply the load on a struggling downstream: a denied retry ends the call with reason
 * `budget_exhausted` (a fallback can serve it), counted in {@link METRIC_REJECTIONS} (strategy `retry_budget`)
 * with an {@link EVENT_REJECTION} span event. Its gauges {@link METRIC_RETRY_BUDGET_AVAILABLE} and
 * {@link METRIC_RETRY_BUDGET_CAPACITY} carry {@link ATTR_RESILIENCE_RETRY_BUDGET}. Memory is fixed (a ring of window buckets); no timers.
 * With `shared` (a sliding window only) the ratio and one floor hold across the fleet: counts are exchanged with
 * the fleet every 250 ms in the background (one timer, stopped by `dispose()`), and gauges and snapshot report
 * the fleet's figures (`scope: 'fleet'`) while an exchange succeeded within 1 s, this replica's own otherwise.
 *
 * @example
 * const budget = createRetryBudget('llm', { ratio: 0.2, minPerSecond: 10, windowMs: 10_000 });
 * const chat = createPolicy('openai.chat', { retry: { maxRetries: 3, budget } });
 * const tools = createPolicy('tools', { retry: { budget } });
 * // gRPC-style throttling instead:
 * const grpc = createRetryBudget('grpc', { kind: 'token_bucket', maxTokens: 10, tokenRatio: 0.1 });
 * // One budget for the whole fleet (agent-resilience/redis):
 * const fleetBudget = createRetryBudget('llm', { ratio: 0.2, shared: createRedisCoordinator({ url }) });
 */
export function createRetryBudget(name: string, options: RetryBudgetOptions = {}): RetryBudget {
  const config = resolveRetryBudgetOptions(name, options);
  const budget =
    config.kind === 'token_bucket'
      ? new TokenBucketBudget(name, config)
      : new SlidingWindowBudget(name, config, options.now ?? monotonicNow);
  registerUntilDisposed(options.registry, 'retryBudget', budget);
  return budget;
}

/**
 * @internal Exchanges a shared budget's counts with its fleet now (the budget does it every 250 ms by itself),
 * after the exchange in flight if there is one, so that every count made so far is reported. Resolves whether the exchange succeeded (`false` for a budget that is not
 * shared). For tests and benchmarks.
 */
export function syncRetryBudget(budget: RetryBudget): Promise<boolean> {
  const fleet = budget instanceof SlidingWindowBudget ? budget.fleet : undefined;
  return fleet === undefined ? Promise.resolve(false) : fleet.sync();
}
