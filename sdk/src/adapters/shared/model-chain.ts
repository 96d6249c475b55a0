import type { AttemptInput } from '../../core/call-context.js';
import type { ExecuteOptions } from '../../core/execute-options.js';
import type { PolicyRegistry } from '../../core/registry.js';
import type { ExecuteStreamOptions } from '../../core/stream-options.js';
import { createPolicy, ResiliencePolicy } from '../../pipeline/create-policy.js';
import type { PolicyOptions } from '../../pipeline/options.js';
import type { ErrorCategory, METRIC_FALLBACKS } from '../../semconv.js';

/** How an adapter names a model: its provider and model id (the key of its breaker and policy). */
export interface ModelKey {
  readonly provider: string;
  readonly model: string;
}

/** Settings of a {@link ModelChain}. */
export interface ModelChainOptions {
  /**
   * Options of each model's own policy (each model gets its own breaker, keyed by provider + model id), or one
   * policy shared by every model. @default { retry: {} }
   */
  readonly policy?: Omit<PolicyOptions<never>, 'fallback' | 'registry'> | ResiliencePolicy;
  /** Failures after which the next model is tried. @default every category but cancelled, validation, programming */
  readonly fallbackOn?: readonly ErrorCategory[];
  /** Registry the chain's policies join; `null` for none. @default defaultRegistry */
  readonly registry?: PolicyRegistry | null;
}

const NO_FALLBACK: ReadonlySet<ErrorCategory> = new Set(['cancelled', 'validation', 'programming']);

/** `[A-Za-z0-9_.:-]` only, at most `max` characters (never empty). */
function safe(part: string, max: number): string {
  const cleaned = part.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, max);
  return cleaned === '' ? '_' : cleaned;
}

/**
 * A primary model and its fallback models, each behind its own policy (its own breaker, keyed by provider and
 * model id), run as one call: an outer policy named `name` runs the primary and serves each fallback model in turn
 * as a fallback of the chain (so {@link METRIC_FALLBACKS} counts model fallbacks, and an open breaker sends calls
 * straight to the next model). A streamed call falls back only before its commit; after it, the model's own
 * stream settings apply.
 */
export class ModelChain<M> {
  private readonly outer: ResiliencePolicy<unknown>;
  private readonly policies = new Map<string, ResiliencePolicy<unknown>>();
  private readonly owned: ResiliencePolicy<unknown>[] = [];

  constructor(
    readonly name: string,
    private readonly models: readonly M[],
    private readonly keyOf: (model: M) => ModelKey,
    private readonly options: ModelChainOptions = {},
  ) {
    const fallbackOn = options.fallbackOn;
    const when = (error: { category: ErrorCategory }): boolean =>
      fallbackOn === undefined ? !NO_FALLBACK.has(error.category) : fallbackOn.includes(error.category);
    this.outer = createPolicy<unknown>(name, {
      ...(options.registry === undefined ? {} : { registry: options.registry }),
      ...(models.length > 1
        ? {
            fallback: models.slice(1).map((_, i) => ({
              when,
              factory: ({ properties }) =>
                (properties.runModel as (index: number) => Promise<unknown>)(i + 1),
            })),
          }
        : {}),
    });
    this.owned.push(this.outer);
    for (const model of models) this.policyOf(model);
  }

  /** The policy of one model (created on first use, one per provider + model id). */
  policyOf(model: M): ResiliencePolicy<unknown> {
    const shared = this.options.policy;
    if (shared instanceof ResiliencePolicy) return shared;
    const { provider, model: id } = this.keyOf(model);
    const key = `${provider}\u0000${id}`;
    const existing = this.policies.get(key);
    if (existing !== undefined) return existing;
    const prefix = `${this.name}.`;
    const name = `${prefix}${safe(provider, 20)}.${safe(id, Math.max(1, 63 - prefix.length - Math.min(provider.length, 20)))}`;
    const policy = createPolicy<unknown>(name.slice(0, 64), {
      ...(shared ?? { retry: {} }),
      ...(this.options.registry === undefined ? {} : { registry: this.options.registry }),
    });
    this.policies.set(key, policy);
    this.owned.push(policy);
    return policy;
  }

  /** Runs `fn` on the primary model, then on each fallback model while the failure allows it. */
  execute<T>(
    fn: (model: M, input: AttemptInput) => PromiseLike<T> | T,
    options: ExecuteOptions = {},
  ): Promise<T> {
    const runModel = (index: number): Promise<unknown> => {
      const model = this.models[index] as M;
      return this.policyOf(model).execute(input => fn(model, input), this.callOptions(model, options));
    };
    return this.outer.execute(() => runModel(0), this.chainOptions(options, runModel)) as Promise<T>;
  }

  /** Streams from the primary model, falling back to the next model while no chunk has reached the consumer. */
  executeStream<T>(
    fn: (model: M, input: AttemptInput) => AsyncIterable<T> | PromiseLike<AsyncIterable<T>>,
    options: ExecuteStreamOptions<T> = {},
  ): Promise<AsyncIterable<T>> {
    const runModel = (index: number): Promise<unknown> => {
      const model = this.models[index] as M;
      return this.policyOf(model).executeStream(input => fn(model, input), {
        ...options,
        ...this.callOptions(model, options),
      });
    };
    return this.outer.execute(() => runModel(0), this.chainOptions(options, runModel)) as Promise<
      AsyncIterable<T>
    >;
  }

  private callOptions(model: M, options: ExecuteOptions): ExecuteOptions {
    const { provider, model: id } = this.keyOf(model);
    const { span: _span, ...rest } = options;
    return { ...rest, genAi: { provider, model: id } };
  }

  private chainOptions(
    options: ExecuteOptions,
    runModel: (index: number) => Promise<unknown>,
  ): ExecuteOptions {
    return {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.span === undefined ? {} : { span: options.span }),
      properties: { ...options.properties, runModel },
    };
  }

  /** Disposes the policies the chain created (a shared policy belongs to its creator). */
  dispose(): void {
    for (const policy of this.owned.splice(0)) policy.dispose();
    this.policies.clear();
  }
}
