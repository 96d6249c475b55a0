import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
} from '@ai-sdk/provider';
import type { StreamCallOptions } from '../../core/stream-options.js';
import type { ResiliencePolicy } from '../../pipeline/create-policy.js';
import { InnerRetryReporter } from '../shared/inner-retries.js';
import { ModelChain, type ModelChainOptions, type ModelKey } from '../shared/model-chain.js';
import {
  continuationParams,
  isToolPart,
  type PartContinuation,
  spliceContinuation,
  ToolCallNotContinuedError,
} from './continuation.js';
import { keyOfModel } from './models.js';
import { RetryWatch } from './retry-watch.js';
import { PART_READERS, usageOfResult } from './stream-parts.js';
import { iterate, toReadable } from './web-streams.js';

/** What a model's `doStream` returned besides its stream (request and response metadata). */
type StreamMetadata = Omit<LanguageModelV4StreamResult, 'stream'>;

const errorPart = (error: unknown): LanguageModelV4StreamPart => ({ type: 'error', error });

/**
 * The resilient calls of one wrapped model (one provider + model id): its {@link ModelChain} (the model, then the
 * fallbacks, each behind its own policy and breaker, by index: 0 is the primary) and the watch for the AI SDK
 * retrying around it. Each call names the primary model object it wraps (an app may wrap a fresh one per request,
 * with its own settings); each attempt calls `doGenerate`/`doStream` itself with the attempt's own `abortSignal`
 * (the middleware's `doGenerate` thunk is bound to the SDK's signal, so a timed-out attempt could not be cancelled
 * through it).
 */
export class ResilientModelCalls {
  private readonly chain: ModelChain<number>;
  private readonly fallbacks: readonly LanguageModelV4[];
  private readonly watch: RetryWatch;

  /** @param primary A model object of the primary model: its provider and model id key the chain's first policy. */
  constructor(
    name: string,
    primary: LanguageModelV4,
    fallbacks: readonly LanguageModelV4[],
    options: ModelChainOptions,
  ) {
    const keys = [primary, ...fallbacks].map(keyOfModel);
    this.fallbacks = fallbacks;
    this.chain = new ModelChain(
      name,
      keys.map((_, index) => index),
      index => keys[index] as ModelKey,
      options,
    );
    this.watch = new RetryWatch(new InnerRetryReporter(name, 'ai_sdk'));
  }

  /** The chain's policy and each model's, by policy name. */
  policies(): ReadonlyMap<string, ResiliencePolicy<unknown>> {
    return this.chain.policies();
  }

  /** `doGenerate` of `primary` (then of the fallbacks) through the chain; the usage is counted as served tokens. */
  async generate(
    primary: LanguageModelV4,
    params: LanguageModelV4CallOptions,
  ): Promise<LanguageModelV4GenerateResult> {
    this.watch.check(params);
    const models = [primary, ...this.fallbacks];
    try {
      return await this.chain.execute(
        (index, { signal }) =>
          (models[index] as LanguageModelV4).doGenerate({ ...params, abortSignal: signal }),
        { ...signalOf(params), usageOf: usageOfResult },
      );
    } catch (error) {
      this.watch.failed(params, 'thrown');
      throw error;
    }
  }

  /**
   * `doStream` through the chain: resolves once a model's stream committed (its first content part), with that
   * model's request and response metadata and a stream that starts with the parts it sent before the commit.
   * Parts of attempts that failed before their commit are never shown. A failure after the commit ends the
   * stream with an `error` part carrying the `StreamBrokenError` (or, with `afterCommit: 'fallback-continue'`,
   * the next model continues the partial text). Cancelling the stream closes the provider request.
   */
  async stream(
    primary: LanguageModelV4,
    params: LanguageModelV4CallOptions,
  ): Promise<LanguageModelV4StreamResult> {
    this.watch.check(params);
    const models = [primary, ...this.fallbacks];
    let metadata: StreamMetadata = {};
    let serving = 0;
    // Whether the serving attempt's stream sent a tool call part (every part it read reached the consumer).
    let toolCalling = false;
    const sawPart = (part: LanguageModelV4StreamPart): void => {
      if (isToolPart(part)) toolCalling = true;
    };
    // Used only when the serving model's policy says afterCommit: 'fallback-continue': the next model of the chain
    // (the same one when the broken one was the last) continues the text; a tool call is never continued.
    const readers: StreamCallOptions<LanguageModelV4StreamPart> = {
      ...PART_READERS,
      continueWith: continuation => {
        if (toolCalling) throw new ToolCallNotContinuedError();
        return this.continueStream(params, models, Math.min(serving + 1, models.length - 1), continuation);
      },
    };
    let parts: AsyncIterable<LanguageModelV4StreamPart>;
    try {
      parts = await this.chain.executeStream(
        async (index, { signal }) => {
          const { stream, ...rest } = await openStream(models[index] as LanguageModelV4, params, signal);
          metadata = rest;
          serving = index;
          toolCalling = false;
          return iterate(stream, sawPart);
        },
        { ...signalOf(params), stream: readers },
      );
    } catch (error) {
      this.watch.failed(params, 'thrown');
      throw error;
    }
    return {
      ...metadata,
      stream: toReadable(parts, error => {
        this.watch.failed(params, 'stream');
        return errorPart(error);
      }),
    };
  }

  /** `afterCommit: 'fallback-continue'`: `models[index]` continues the text the broken stream had sent. */
  private continueStream(
    params: LanguageModelV4CallOptions,
    models: readonly LanguageModelV4[],
    index: number,
    { partial, signal }: PartContinuation,
  ): Promise<AsyncIterable<LanguageModelV4StreamPart>> {
    const model = models[index] as LanguageModelV4;
    const continued = continuationParams(params, partial);
    const { provider, model: id } = keyOfModel(model);
    return this.chain.policyOf(index).executeStream(
      async ({ signal: attemptSignal }) => {
        const { stream } = await openStream(model, continued, attemptSignal);
        return spliceContinuation(iterate(stream), partial);
      },
      // The broken stream counts the continuation's usage as served: no usageOf here, or it would count twice.
      {
        signal,
        genAi: { provider, model: id },
        stream: {
          isContent: PART_READERS.isContent,
          isFinal: PART_READERS.isFinal,
          errorOf: PART_READERS.errorOf,
        },
      },
    );
  }

  /** Disposes the chain's policies. */
  dispose(): void {
    this.chain.dispose();
  }
}

/**
 * `model.doStream` for one attempt, with the attempt's signal. A stream that opens after its attempt was given up
 * (a provider that ignored the abort) is cancelled, never read.
 */
async function openStream(
  model: LanguageModelV4,
  params: LanguageModelV4CallOptions,
  signal: AbortSignal,
): Promise<LanguageModelV4StreamResult> {
  const result = await model.doStream({ ...params, abortSignal: signal });
  if (signal.aborted) {
    result.stream.cancel().catch(() => {});
    throw signal.reason;
  }
  return result;
}

/** The SDK's abort signal as the call's signal (its abort cancels the call and closes the provider request). */
function signalOf(params: LanguageModelV4CallOptions): { signal?: AbortSignal } {
  return params.abortSignal === undefined ? {} : { signal: params.abortSignal };
}
