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

/** Options of one model's own policy: the chain sets `fallback` (the next models) and `registry` (its own). */
export type ModelPolicyOptions = Omit<PolicyOptions<never>, 'fallback' | 'registry'>;

/** A model's policy: the options of a policy the chain creates, or a policy of the caller's (never disposed). */
export type ModelPolicy = ModelPolicyOptions | ResiliencePolicy;

/** Settings of a {@link ModelChain}. */
export interface ModelChainOptions {
  /**
   * Each model's policy: options of a policy of its own (each model gets its own breaker, keyed by provider +
   * model id), one policy shared by every model, or a function of the model choosing either (asked once per
   * distinct model, when the chain is built). A policy given or returned belongs to the caller: the chain never
   * disposes it. @default { retry: {} }
   */
  readonly policy?: ModelPolicy | ((model: ModelKey) => ModelPolicy);
  /** Failures after which the next model is tried. @default every category but cancelled, validation, programming */
  readonly fallbackOn?: readonly ErrorCategory[];
  /** Registry the chain's policies join; `null` for none. @default defaultRegistry */
  readonly registry?: PolicyRegistry | null;
}

/** The policies of several chains (or of wrappers holding them) in one map by policy name. */
export function mergedPolicies(
  holders: Iterable<{ policies(): ReadonlyMap<string, ResiliencePolicy<unknown>> }>,
): ReadonlyMap<string, ResiliencePolicy<unknown>> {
  const merged = new Map<string, ResiliencePolicy<unknown>>();
  for (const holder of holders) for (const [name, policy] of holder.policies()) merged.set(name, policy);
  return merged;
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
  /** Each model's policy by provider + model id. */
  private readonly byKey = new Map<string, ResiliencePolicy<unknown>>();
  /** The policies the chain created (and disposes). */
  private readonly owned: ResiliencePolicy<unknown>[] = [];
  private disposed = false;

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
    try {
      for (const model of models) this.policyOf(model);
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  /**
   * The policy of one model: created (or asked of the `policy` function) once per provider + model id, when the
   * chain is built.
   */
  policyOf(model: M): ResiliencePolicy<unknown> {
    const key = this.keyOf(model);
    const id = `${key.provider}\u0000${key.model}`;
    let policy = this.byKey.get(id);
    if (policy === undefined) {
      policy = this.modelPolicy(key);
      this.byKey.set(id, policy);
    }
    return policy;
  }

  /** The chain's own policy, then each model's, by policy name (a policy shared by models once); none once disposed. */
  policies(): ReadonlyMap<string, ResiliencePolicy<unknown>> {
    if (this.disposed) return new Map();
    return new Map([this.outer, ...this.byKey.values()].map(policy => [policy.name, policy]));
  }

  private modelPolicy(key: ModelKey): ResiliencePolicy<unknown> {
    const { policy } = this.options;
    const chosen = typeof policy === 'function' ? policy(key) : policy;
    if (chosen instanceof ResiliencePolicy) return chosen;
    const prefix = `${this.name}.`;
    const name = `${prefix}${safe(key.provider, 20)}.${safe(key.model, Math.max(1, 63 - prefix.length - Math.min(key.provider.length, 20)))}`;
    const created = createPolicy<unknown>(name.slice(0, 64), {
      ...(chosen ?? { retry: {} }),
      ...(this.options.registry === undefined ? {} : { registry: this.options.registry }),
    });
    this.owned.push(created);
    return created;
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

  /** Disposes the policies the chain created (a policy given or returned by `policy` belongs to the caller). */
  dispose(): void {
    this.disposed = true;
    for (const policy of this.owned.splice(0)) policy.dispose();
    this.byKey.clear();
  }
}
