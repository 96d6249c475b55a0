import {
  type CircuitBreakerPolicy,
  CircuitState,
  circuitBreaker,
  EventEmitter,
  handleWhen,
  type IBreaker,
  type IDisposable,
  isBrokenCircuitError,
  isIsolatedCircuitError,
} from 'cockatiel';
import { CircuitOpenError } from '../errors/signals.js';
import type { CallContext, Next, Stage } from '../pipeline/call-context.js';
import {
  ATTR_RESILIENCE_CIRCUIT_BREAKER_PREVIOUS_STATE,
  ATTR_RESILIENCE_CIRCUIT_BREAKER_STATE,
  ATTR_RESILIENCE_STRATEGY,
  CIRCUIT_STATES,
  type CircuitStateName,
  EVENT_CIRCUIT_BREAKER_TRANSITION,
  EVENT_REJECTION,
} from '../semconv.js';
import { AttributeCache } from '../telemetry/attributes.js';
import { type GaugeSource, registerGaugeSource } from '../telemetry/gauge-sources.js';
import { addSpanEvent } from '../telemetry/spans.js';
import { currentTelemetry } from '../telemetry/telemetry.js';
import { safely } from '../util/safely.js';
import { BreakerFamily } from './circuit-breaker-family.js';
import {
  type CircuitBreakerOptions,
  createBreaker,
  createHalfOpenBackoff,
  DEFAULT_FAILURE_CATEGORIES,
  recording,
} from './circuit-breaker-options.js';
import { BreakerStats, type CircuitBreakerSnapshot } from './circuit-breaker-stats.js';

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
};

/** A state change of a circuit breaker. */
export interface CircuitTransition {
  readonly breaker: string;
  readonly from: CircuitStateName;
  readonly to: CircuitStateName;
  /** `Date.now()` of the change. */
  readonly at: number;
}

/** Registers a gauge source and keeps it alive as long as the handle (the gauge registry holds sources weakly). */
function gaugeHandle(source: GaugeSource): IDisposable & { readonly source: GaugeSource } {
  const handle = registerGaugeSource(source);
  return { source, dispose: () => handle.dispose() };
}

/**
 * A named circuit breaker on cockatiel's `CircuitBreakerPolicy`, instrumented: transitions with `from`/`to`
 * (cockatiel reports only the new state), rejections (cockatiel emits nothing for them), a one-hot state gauge,
 * and statistics for the monitoring API. Only failures whose category is in `failureCategories` count; the
 * rest pass through untouched. Adds manual `reset()` (cockatiel has none) by rebuilding the inner policy.
 * Share one instance between policies to guard a whole provider.
 */
export class CircuitBreaker implements Stage, IDisposable {
  readonly name: string;
  private inner!: CircuitBreakerPolicy;
  private innerListener: IDisposable | undefined;
  private readonly breaker: IBreaker;
  private readonly initialBreakerState: unknown;
  private readonly failureCategories: ReadonlySet<string>;
  private readonly attributes: AttributeCache;
  private readonly stats = new BreakerStats();
  private readonly transitionEmitter = new EventEmitter<CircuitTransition>();
  private readonly gauge: IDisposable & { readonly source: GaugeSource };
  private readonly cleanups: Array<() => void> = [];
  private current: CircuitStateName = 'closed';
  private lastOpenMs: number | undefined;
  private transitions = 0;
  private lastTransition: CircuitTransition | undefined;
  /** @internal Parent, children and propagation of a hierarchy of breakers. */
  readonly family: BreakerFamily;

  /** Fires on every state change (listeners run safely; a throw is reported through `diag`). */
  readonly onTransition = this.transitionEmitter.addListener;

  constructor(
    name: string,
    private readonly options: CircuitBreakerOptions,
    private readonly classify: NonNullable<CircuitBreakerOptions['classifier']>,
  ) {
    this.name = name;
    this.attributes = new AttributeCache(name);
    this.breaker = createBreaker(options.breaker);
    this.initialBreakerState = structuredClone(this.breaker.state);
    this.failureCategories = new Set(options.failureCategories ?? DEFAULT_FAILURE_CATEGORIES);
    this.build(options.initialState);
    this.current = STATE_NAMES[this.inner.state];
    this.countTransition('closed', 'open', 0);
    this.gauge = gaugeHandle({
      observers: {
        circuitBreakerState: report => {
          for (const state of CIRCUIT_STATES) {
            report(
              state === this.current ? 1 : 0,
              this.attributes.get(`s|${state}`, () => ({ [ATTR_RESILIENCE_CIRCUIT_BREAKER_STATE]: state })),
            );
          }
        },
      },
    });
    this.family = new BreakerFamily(this, options.parent, options.isolateChildren ?? false);
    this.family.onTransition(this.current);
    this.family.attach();
  }

  private build(initialState: unknown): void {
    this.innerListener?.dispose();
    this.inner = circuitBreaker(
      handleWhen(error => this.failureCategories.has(this.classify(error).category)),
      {
        breaker: this.breaker,
        halfOpenAfter: recording(createHalfOpenBackoff(this.options.halfOpenAfterMs), ms => {
          this.lastOpenMs = ms;
        }),
        ...(this.options.halfOpenSampling === undefined
          ? {}
          : { halfOpenSampling: this.options.halfOpenSampling }),
        ...(initialState === undefined ? {} : { initialState }),
      },
    );
    this.innerListener = this.inner.onStateChange(state => this.moveTo(STATE_NAMES[state]));
  }

  private moveTo(to: CircuitStateName): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    const transition = { breaker: this.name, from, to, at: Date.now() };
    this.transitions++;
    this.lastTransition = transition;
    this.stats.onTransition(transition);
    this.family.onTransition(to);
    this.countTransition(from, to, 1);
    safely('circuit breaker onTransition listener', () => this.transitionEmitter.emit(transition));
  }

  /**
   * Adds to the transitions counter. Called with 0 for closed → open at construction, so the series exists
   * before the first opening and `increase()` in alerts sees that opening too.
   */
  private countTransition(from: CircuitStateName, to: CircuitStateName, value: number): void {
    const telemetry = currentTelemetry();
    if (!telemetry.metricsEnabled) return;
    safely('recording a breaker transition', () =>
      telemetry.instruments.circuitBreakerTransitions.add(
        value,
        this.attributes.get(`tr|${from}|${to}`, () => ({
          [ATTR_RESILIENCE_CIRCUIT_BREAKER_PREVIOUS_STATE]: from,
          [ATTR_RESILIENCE_CIRCUIT_BREAKER_STATE]: to,
        })),
      ),
    );
  }

  /** Current state. Open → half-open is evaluated lazily by cockatiel, on the next call after the wait. */
  get state(): CircuitStateName {
    return this.current;
  }

  /** Milliseconds until an open circuit lets a probe through; undefined unless open with a known wait. */
  get retryAfterMs(): number | undefined {
    const openedAt = this.stats.openedAt;
    if (this.current !== 'open' || openedAt === undefined || this.lastOpenMs === undefined) return undefined;
    return Math.max(0, openedAt + this.lastOpenMs - Date.now());
  }

  /** Statistics and configuration for dashboards and the monitoring API. */
  snapshot(): CircuitBreakerSnapshot {
    const family = { parent: this.family.parent?.name ?? null, children: this.family.childNames() };
    return this.stats.snapshot(this.name, this.current, this.retryAfterMs, family, {
      breaker: this.options.breaker ?? { kind: 'consecutive', threshold: 5 },
      halfOpenAfterMs: this.options.halfOpenAfterMs ?? 30_000,
      halfOpenSampling: this.options.halfOpenSampling ?? { calls: 1, threshold: 0 },
      failureCategories: [...this.failureCategories],
    });
  }

  /** Holds the circuit open until the returned handle is disposed (reference-counted, as in cockatiel). */
  isolate(): IDisposable {
    return this.inner.isolate();
  }

  /** Closes the circuit and forgets its failure history (manual reset, e.g. from the monitoring API). */
  reset(): void {
    this.breaker.state = structuredClone(this.initialBreakerState);
    this.build(undefined);
    this.stats.onReset();
    this.moveTo('closed');
  }

  /** Serialisable state for `initialState`, e.g. to persist across serverless invocations. */
  toJSON(): unknown {
    return this.inner.toJSON();
  }

  /** Runs `fn` through the breaker (usable on its own or as a pipeline stage). */
  execute<T>(fn: (input: { signal: AbortSignal }) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    return this.through(fn, signal, undefined) as Promise<T>;
  }

  run(ctx: CallContext, next: Next): Promise<unknown> {
    const fn = () => next(ctx);
    if (this.family.parent !== undefined || ctx.callSpan !== undefined)
      return this.through(fn, ctx.signal, ctx);
    // Fast path (no parent, no span to annotate): one promise reaction instead of an async frame.
    this.stats.onCall();
    return this.inner.execute(fn, ctx.signal).then(this.settledOk, this.settledError);
  }

  private readonly settledOk = (value: unknown): unknown => {
    this.stats.onSuccess();
    return value;
  };

  private readonly settledError = (error: unknown): never => {
    throw this.failed(error, undefined);
  };

  /** Books a failed call and returns what to throw: a `CircuitOpenError` for a rejection, else the error. */
  private failed(error: unknown, ctx: CallContext | undefined): unknown {
    if (isBrokenCircuitError(error) && !CircuitOpenError.isInstance(error)) {
      this.recordRejection(ctx);
      return new CircuitOpenError(this.name, {
        retryAfterMs: this.retryAfterMs,
        isolated: isIsolatedCircuitError(error),
      });
    }
    const classified = this.classify(error);
    if (this.failureCategories.has(classified.category)) this.stats.onFailure(classified);
    else this.stats.onIgnored();
    return error;
  }

  /** Runs through the ancestors first: an open parent rejects before this breaker is touched. */
  private through(
    fn: (input: { signal: AbortSignal }) => unknown,
    signal: AbortSignal | undefined,
    ctx: CallContext | undefined,
  ): Promise<unknown> {
    const parent = this.family.parent;
    if (parent === undefined) return this.guard(fn, signal, ctx);
    return parent.through(input => this.guard(fn, input.signal, ctx), signal, ctx);
  }

  private async guard(
    fn: (input: { signal: AbortSignal }) => unknown,
    signal: AbortSignal | undefined,
    ctx: CallContext | undefined,
  ): Promise<unknown> {
    const seen = this.transitions;
    this.stats.onCall();
    try {
      const value = await this.inner.execute(fn, signal);
      this.stats.onSuccess();
      return value;
    } catch (error) {
      throw this.failed(error, ctx);
    } finally {
      if (this.transitions !== seen && this.lastTransition !== undefined && ctx !== undefined) {
        const t = this.lastTransition;
        addSpanEvent(ctx.attemptSpan ?? ctx.callSpan, EVENT_CIRCUIT_BREAKER_TRANSITION, {
          ...this.attributes.base,
          [ATTR_RESILIENCE_CIRCUIT_BREAKER_PREVIOUS_STATE]: t.from,
          [ATTR_RESILIENCE_CIRCUIT_BREAKER_STATE]: t.to,
        });
      }
    }
  }

  private recordRejection(ctx: CallContext | undefined): void {
    this.stats.onRejection();
    const attributes = this.attributes.get('rej|circuit_breaker', () => ({
      [ATTR_RESILIENCE_STRATEGY]: 'circuit_breaker',
    }));
    const telemetry = ctx?.telemetry ?? currentTelemetry();
    if (telemetry.metricsEnabled) {
      safely('recording a breaker rejection', () => telemetry.instruments.rejections.add(1, attributes));
    }
    if (ctx !== undefined) addSpanEvent(ctx.attemptSpan ?? ctx.callSpan, EVENT_REJECTION, attributes);
  }

  /** Registers cleanup to run on {@link dispose} (e.g. leaving a registry). */
  onDispose(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  /** Stops reporting this breaker's gauge, leaves its registry and detaches from cockatiel's events. */
  dispose(): void {
    this.innerListener?.dispose();
    this.gauge.dispose();
    this.family.dispose();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}
