import type { AttemptInput } from '../../core/call-context.js';
import type { ExecuteOptions } from '../../core/execute-options.js';
import type { PolicyRegistry } from '../../core/registry.js';
import type { ExecuteStreamOptions } from '../../core/stream-options.js';
import { createPolicy, ResiliencePolicy } from '../../pipeline/create-policy.js';
import type { PolicyOptions } from '../../pipeline/options.js';
import type { ErrorCategory, METRIC_FALLBACKS } from '../../semconv.js';
import { ModelFailures, mappingErrors } from './model-failures.js';

/** How an adapter names a model: its provider and model id (the key of its breaker and policy). */
export interface ModelKey {
  readonly provider: string;
  readonly model: string;
}

/** One string per provider + model id (a map key). */
export const modelKeyId = (key: ModelKey): string => `${key.provider}\u0000${key.model}`;

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

/** The longest policy name (the policy name rules). */
const NAME_MAX = 64;
const HASH_LENGTH = 6;

/** `[A-Za-z0-9_.:-]` only (never empty). */
function safe(part: string): string {
  const cleaned = part.replace(/[^A-Za-z0-9_.:-]/g, '_');
  return cleaned === '' ? '_' : cleaned;
}

/** The 32-bit FNV-1a hash of `text` (its UTF-16 code units), xor-folded to 24 bits: 6 hex digits. */
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash >>>= 0;
  return ((hash >>> 24) ^ (hash & 0xffffff)).toString(16).padStart(HASH_LENGTH, '0');
}

/**
 * `<prefix>.<provider>.<model>` within the policy name rules (`[A-Za-z0-9_.:-]`, at most `max` characters). A name
 * that must be cut ends in `.` and a hash of the full provider and model id instead, so two long model ids of one
 * provider (Bedrock's `anthropic.claude-3-5-sonnet-20241022-v2:0`...) keep distinct, stable names.
 */
export function modelPolicyName(prefix: string, key: ModelKey, max: number = NAME_MAX): string {
  const full = `${prefix}.${safe(key.provider)}.${safe(key.model)}`;
  if (full.length <= max) return full;
  return `${full.slice(0, max - HASH_LENGTH - 1)}.${shortHash(modelKeyId(key))}`;
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
    const id = modelKeyId(key);
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
    const created = createPolicy<unknown>(modelPolicyName(this.name, key), {
      ...(chosen ?? { retry: {} }),
      ...(this.options.registry === undefined ? {} : { registry: this.options.registry }),
    });
    this.owned.push(created);
    return created;
  }

  /**
   * Runs `fn` on the primary model, then on each fallback model while the failure allows it. When none serves, the
   * call rejects with the last model policy's own final error (its attempts, its reason).
   */
  execute<T>(
    fn: (model: M, input: AttemptInput) => PromiseLike<T> | T,
    options: ExecuteOptions = {},
  ): Promise<T> {
    const failures = new ModelFailures();
    const runModel = (index: number): Promise<unknown> => {
      const model = this.models[index] as M;
      return this.policyOf(model)
        .execute(input => fn(model, input), this.callOptions(model, options))
        .catch(error => {
          throw failures.keep(error);
        });
    };
    return this.outer
      .execute(() => runModel(0), this.chainOptions(options, runModel))
      .catch(error => {
        throw failures.original(error);
      }) as Promise<T>;
  }

  /**
   * Streams from the primary model, falling back to the next model while no chunk has reached the consumer. The
   * chain's call (its span, its outcome) ends with the stream; a failure, before the commit or after it, is the
   * serving model policy's own error.
   */
  async executeStream<T>(
    fn: (model: M, input: AttemptInput) => AsyncIterable<T> | PromiseLike<AsyncIterable<T>>,
    options: ExecuteStreamOptions<T> = {},
  ): Promise<AsyncIterable<T>> {
    const failures = new ModelFailures();
    const runModel = async (index: number): Promise<AsyncIterable<T>> => {
      const model = this.models[index] as M;
      try {
        const stream = await this.policyOf(model).executeStream(input => fn(model, input), {
          ...options,
          ...this.callOptions(model, options),
        });
        // Returned as it is: the chain's policy sees another policy's stream (it records its own break and time
        // to first chunk) and a break after the commit reaches the consumer as the model policy's own error.
        return stream as AsyncIterable<T>;
      } catch (error) {
        throw failures.keep(error);
      }
    };
    // The model's stream committed already: the chain's own policy takes its every chunk as content (no
    // errorOf, usageOf or continueWith either: the model's policy read them, counted them and continued).
    try {
      const stream = await this.outer.executeStream<T>(
        () => runModel(0),
        this.chainOptions(options, runModel),
      );
      return mappingErrors(stream, failures.original);
    } catch (error) {
      throw failures.original(error);
    }
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
