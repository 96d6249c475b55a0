import type { Model, ModelRequest, ModelResponse, ModelRetryAdvice, StreamEvent } from '@openai/agents-core';
import { trace } from '@opentelemetry/api';
import type { AttemptInput } from '../../core/call-context.js';
import type { ExecuteOptions } from '../../core/execute-options.js';
import type { ResiliencePolicy } from '../../pipeline/create-policy.js';
import { safelyGet } from '../../util/safely.js';
import { chainOptionsOf } from '../shared/chain-options.js';
import { InnerRetryReporter } from '../shared/inner-retries.js';
import { ModelChain, type ModelKey, type ModelPolicyOptions } from '../shared/model-chain.js';
import {
  checkModelOptions,
  type NamedModel,
  OPENAI_AGENTS_CHAIN,
  OPENAI_AGENTS_DEFAULTS,
  type OpenAIAgentsResilienceOptions,
  type ResilientModelOptions,
} from './options.js';
import { isStatelessRequest, ReplayGuard } from './replay-safety.js';
import { attemptRequest, runnerRetries } from './runner-retries.js';
import { STREAM_EVENTS, usageOfResponse } from './stream-events.js';

/** One model of a chain: the name and provider that key its policy, and the model (resolved on first use). */
export interface ChainEntry extends ModelKey {
  resolve(): Model | Promise<Model>;
}

/** Policy options with `guard`'s veto on their retries (a request that is not replay-safe is not sent twice). */
function guarded(guard: ReplayGuard): (options: ModelPolicyOptions) => ModelPolicyOptions {
  return options =>
    options.retry === undefined
      ? options
      : { ...options, retry: { ...options.retry, shouldRetry: guard.shouldRetry(options.retry) } };
}

const keyOf = (entry: ChainEntry): ModelKey => ({ provider: entry.provider, model: entry.model });

/**
 * An Agents SDK `Model` whose calls run through agent-resilience: each model (the primary, then each fallback)
 * behind its own policy and circuit breaker, streams retried or sent to the next model only before their first
 * content event, requests that are not replay-safe sent to the primary model only and never replayed unless the
 * model's retry advice marks the failure safe. It emits only `resilience.*` spans and metrics (the Agents SDK traces
 * the model call itself), warns once when the runner's own retries are on, and turns the `openai` client's retries
 * off for the OpenAI models so that the policy is the one retry layer.
 */
export class ResilientModel implements Model {
  readonly supportsPromptModelSelection?: boolean;
  private readonly chain: ModelChain<ChainEntry>;
  private readonly guard = new ReplayGuard();
  private readonly innerRetries: InnerRetryReporter;
  private readonly replaySafe: (request: ModelRequest) => boolean;

  /**
   * @param entries The primary model, then its fallbacks.
   * @param factory The function the user called (`withResilience`, `resilientModelProvider`), for error messages.
   * @param primary The primary model when already resolved (its `supportsPromptModelSelection` is kept).
   */
  constructor(
    private readonly entries: readonly [ChainEntry, ...ChainEntry[]],
    options: OpenAIAgentsResilienceOptions,
    factory: string,
    primary?: Model,
  ) {
    const name = options.name ?? OPENAI_AGENTS_DEFAULTS.name;
    const chainOptions = chainOptionsOf(factory, options, OPENAI_AGENTS_CHAIN, guarded(this.guard));
    this.chain = new ModelChain(name, entries, keyOf, chainOptions);
    this.innerRetries = new InnerRetryReporter(name, 'openai_agents');
    this.replaySafe = options.replaySafe ?? isStatelessRequest;
    if (primary?.supportsPromptModelSelection !== undefined) {
      this.supportsPromptModelSelection = primary.supportsPromptModelSelection;
    }
  }

  /**
   * The policies in use, by policy name: the chain's own (`<name>`: its `onFallback` events, one per model
   * fallback) and each model's (`<name>.<provider>.<model>`: its `circuitBreaker`, `recovery`). Empty once disposed.
   */
  policies(): ReadonlyMap<string, ResiliencePolicy<unknown>> {
    return this.chain.policies();
  }

  /** The policy of one model of the chain (by index: 0 is the primary), e.g. to read its breaker's state. */
  policyOf(index: number): ReturnType<ModelChain<ChainEntry>['policyOf']> {
    const entry = this.entries[index];
    if (entry === undefined)
      throw new RangeError(`index must be in [0, ${this.entries.length - 1}], got ${index}`);
    return this.chain.policyOf(entry);
  }

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.noteRunnerRetries(request);
    const options: ExecuteOptions = {
      ...(request.signal === undefined ? {} : { signal: request.signal }),
      usageOf: usageOfResponse,
    };
    const respond = async (entry: ChainEntry, input: AttemptInput): Promise<ModelResponse> => {
      const model = await entry.resolve();
      try {
        return await model.getResponse(attemptRequest(request, input.signal));
      } catch (error) {
        await this.guard.consult(model, { request, error, stream: false, attempt: input.attempt + 1 });
        throw error;
      }
    };
    if (this.isReplaySafe(request)) return this.chain.execute(respond, options);
    const primary = this.entries[0];
    return this.guard.runUnsafe(() =>
      this.chain
        .policyOf(primary)
        .execute(input => respond(primary, input), { ...options, genAi: keyOf(primary) }),
    ) as Promise<ModelResponse>;
  }

  async *getStreamedResponse(request: ModelRequest): AsyncIterable<StreamEvent> {
    this.noteRunnerRetries(request);
    const options = {
      ...(request.signal === undefined ? {} : { signal: request.signal }),
      stream: STREAM_EVENTS,
    };
    const open = async (entry: ChainEntry, input: AttemptInput): Promise<AsyncIterable<StreamEvent>> => {
      const model = await entry.resolve();
      const consult = (error: unknown) =>
        this.guard.consult(model, { request, error, stream: true, attempt: input.attempt + 1 });
      try {
        return this.guard.watch(model.getStreamedResponse(attemptRequest(request, input.signal)), consult);
      } catch (error) {
        await consult(error);
        throw error;
      }
    };
    if (this.isReplaySafe(request)) {
      yield* await this.chain.executeStream(open, options);
      return;
    }
    const primary = this.entries[0];
    yield* (await this.guard.runUnsafe(() =>
      this.chain
        .policyOf(primary)
        .executeStream(input => open(primary, input), { ...options, genAi: keyOf(primary) }),
    )) as AsyncIterable<StreamEvent>;
  }

  /**
   * Tells the runner not to retry on top of the policy (its `retryPolicies.providerSuggested()` follows this): the
   * policy has already retried and tried the fallback models.
   */
  getRetryAdvice(): ModelRetryAdvice {
    return {
      suggested: false,
      reason: 'agent-resilience already retried the request and tried its fallbacks',
    };
  }

  /** Disposes the policies of the chain (a breaker or recovery manager you gave them stays yours). */
  dispose(): void {
    this.chain.dispose();
  }

  /** Whether `replaySafe` says so; one that throws counts as unsafe. */
  private isReplaySafe(request: ModelRequest): boolean {
    return safelyGet('openai-agents replaySafe', () => this.replaySafe(request) === true, false);
  }

  private noteRunnerRetries(request: ModelRequest): void {
    if (runnerRetries(request)) this.innerRetries.report(trace.getActiveSpan());
  }
}

/**
 * Wraps an Agents SDK model so its calls run through agent-resilience, with fallback models:
 *
 * ```ts
 * const model = withResilience(
 *   { model: new OpenAIChatCompletionsModel(openai, 'gpt-4o'), name: 'gpt-4o' },
 *   { fallbacks: [{ model: backup, name: 'gpt-4o-mini' }], stream: { firstChunkTimeoutMs: 10_000 } },
 * );
 * const agent = new Agent({ name: 'support', model });
 * ```
 */
export function withResilience(primary: NamedModel, options: ResilientModelOptions = {}): ResilientModel {
  checkModelOptions(primary, options);
  const entries = [primary, ...(options.fallbacks ?? [])].map(
    (named): ChainEntry => ({
      provider: named.provider ?? OPENAI_AGENTS_DEFAULTS.provider,
      model: named.name,
      resolve: () => named.model,
    }),
  ) as [ChainEntry, ...ChainEntry[]];
  return new ResilientModel(entries, options, 'withResilience', primary.model);
}
