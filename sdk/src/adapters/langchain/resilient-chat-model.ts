import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type {
  BaseLanguageModelInput,
  StructuredOutputMethodOptions,
} from '@langchain/core/language_models/base';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import type { ModelProfile } from '@langchain/core/language_models/profile';
import type { AIMessageChunk, BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { Runnable } from '@langchain/core/runnables';
import type { IterableReadableStream } from '@langchain/core/utils/stream';
import { trace } from '@opentelemetry/api';
import type { ResiliencePolicy } from '../../pipeline/create-policy.js';
import { InnerRetryReporter } from '../shared/inner-retries.js';
import { ModelChain, type ModelChainOptions, type ModelKey } from '../shared/model-chain.js';
import { attemptOptions } from './attempt-options.js';
import { closingOnCancel } from './closing-stream.js';
import { continueStream } from './continuation.js';
import { isContentChunk, isFinalChunk, usageOfMessage } from './message-chunks.js';
import { innerMaxRetriesOf, modelKeyOf } from './model-identity.js';
import { type OutputSchema, resilientStructuredOutput, structuredOutputOf } from './structured-output.js';

/** What an attempt calls: a model of the chain, with the call's tools bound. */
type CallableModel = Runnable<BaseLanguageModelInput, AIMessageChunk>;

/**
 * What every view of one resilient model shares: the chain of model policies (a breaker per provider + model,
 * indexed like the models) and the reporter of LangChain retrying underneath it.
 */
export class ResilientModelChain {
  readonly chain: ModelChain<number>;
  readonly innerRetries: InnerRetryReporter;
  /** Provider and model id of each model, primary first. */
  readonly keys: readonly ModelKey[];

  /** @param models The models whose keys (provider + model id) name the chain's policies, primary first. */
  constructor(name: string, models: readonly BaseChatModel[], options: ModelChainOptions) {
    const keys = models.map(modelKeyOf);
    this.keys = keys;
    this.chain = new ModelChain(
      name,
      keys.map((_, index) => index),
      index => keys[index] as ModelKey,
      options,
    );
    this.innerRetries = new InnerRetryReporter(name, 'langchain');
  }
}

/** One view of a resilient model: the models (primary first) as this call uses them. */
export interface ModelView {
  readonly chain: ResilientModelChain;
  /** The configured models, primary first; their keys are the chain's. */
  readonly models: readonly BaseChatModel[];
  /** What each attempt calls: the model itself, or the model with this call's tools bound. */
  readonly callables: readonly CallableModel[];
  /** Asked once per model call: whether the middleware saw a retry layer stacked on this call. */
  readonly stackedRetry?: () => boolean;
}

/** A view of `models` under `chain`, nothing bound yet. */
export function viewOf(
  chain: ResilientModelChain,
  models: readonly BaseChatModel[],
  stackedRetry?: () => boolean,
): ModelView {
  return {
    chain,
    models,
    callables: models as readonly CallableModel[],
    ...(stackedRetry ? { stackedRetry } : {}),
  };
}

/**
 * A LangChain chat model that runs each call through agent-resilience: the primary model and its fallbacks each
 * behind their own policy (retries with Retry-After, a breaker per provider + model, timeouts), falling back to
 * the next model when one fails. `invoke` (and agents that do not stream) call each attempt's `invoke`;
 * `stream` (and agents streamed with `streamMode: 'messages'` or `streamEvents`) stream each attempt and hand
 * chunks on only from the attempt that produced the first content chunk: a failure before it (an error, a 429,
 * `firstChunkTimeoutMs`, a stall, a dropped connection) is retried or served by the next model without the
 * consumer seeing anything; after it, a failure ends the stream with a `StreamBrokenError`, never replayed (or,
 * with `stream.afterCommit: 'fallback-continue'`, the next model continues the partial answer once).
 *
 * Each attempt gets its own `AbortSignal` (the call option `signal` of the inner `invoke` / `stream`): a timeout
 * or the consumer stopping closes that attempt's provider request. Attempts run without the caller's callbacks,
 * so stream handlers, LangSmith runs and token counters fed by callbacks see one chat-model run per call (this
 * model's), never a failed attempt's partial output or a second copy of the usage.
 *
 * Build it with `withResilience(model, options)`; `resilienceMiddleware` builds one per agent model call.
 */
export class ResilientChatModel extends BaseChatModel<BaseChatModelCallOptions, AIMessageChunk> {
  private readonly view: ModelView;

  static override lc_name(): string {
    return 'ResilientChatModel';
  }

  /** @internal Use `withResilience` or `resilienceMiddleware`. */
  constructor(view: ModelView) {
    super({ maxRetries: 0 });
    this.view = view;
  }

  override _llmType(): string {
    return 'agent-resilience';
  }

  /** The primary's profile; `structuredOutput` only when every model of the chain supports it. */
  override get profile(): ModelProfile {
    const profiles = this.view.models.map(model => model.profile);
    return { ...profiles[0], structuredOutput: profiles.every(p => p?.structuredOutput === true) };
  }

  /** Binds the tools to every model of the chain (each with its own tool format). */
  override bindTools(
    tools: BindToolsInput[],
    kwargs?: Partial<BaseChatModelCallOptions>,
  ): ResilientChatModel {
    const callables = this.view.models.map((model, index) => {
      if (typeof model.bindTools !== 'function') {
        const { provider, model: id } = this.view.chain.keys[index] as ModelKey;
        throw new TypeError(`The ${provider} model ${id} cannot call tools (it has no bindTools)`);
      }
      return model.bindTools(tools, kwargs) as CallableModel;
    });
    return new ResilientChatModel({ ...this.view, callables });
  }

  override withStructuredOutput<RunOutput extends Record<string, unknown> = Record<string, unknown>>(
    outputSchema: OutputSchema<RunOutput>,
    config?: StructuredOutputMethodOptions<false>,
  ): Runnable<BaseLanguageModelInput, RunOutput>;
  override withStructuredOutput<RunOutput extends Record<string, unknown> = Record<string, unknown>>(
    outputSchema: OutputSchema<RunOutput>,
    config?: StructuredOutputMethodOptions<true>,
  ): Runnable<BaseLanguageModelInput, { raw: BaseMessage; parsed: RunOutput }>;
  /**
   * Structured output with each model's own method (ChatOpenAI's `json_schema` response format, a forced tool
   * call for others), through the chain like `invoke`: the primary's structured call, then each fallback's. An
   * answer the schema rejects fails its attempt: it is retried, then sent to the next model.
   */
  override withStructuredOutput<RunOutput extends Record<string, unknown> = Record<string, unknown>>(
    outputSchema: OutputSchema<RunOutput>,
    config?: StructuredOutputMethodOptions<boolean>,
  ):
    | Runnable<BaseLanguageModelInput, RunOutput>
    | Runnable<BaseLanguageModelInput, { raw: BaseMessage; parsed: RunOutput }> {
    const structuredOutputs = this.view.models.map(model => structuredOutputOf(model, outputSchema, config));
    return resilientStructuredOutput(this.view.chain.chain, structuredOutputs) as Runnable<
      BaseLanguageModelInput,
      RunOutput
    >;
  }

  /**
   * Streams like any chat model; the consumer's `break` (or `cancel()`) also aborts the call, closing the provider
   * request at once rather than at its next chunk.
   */
  override async stream(
    input: BaseLanguageModelInput,
    options?: Partial<BaseChatModelCallOptions>,
  ): Promise<IterableReadableStream<AIMessageChunk>> {
    const stop = new AbortController();
    const signal =
      options?.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
    return closingOnCancel(await super.stream(input, { ...options, signal }), stop);
  }

  override async _generate(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    _runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    const callableAt = this.attemptsOfOneCall();
    const message = await this.view.chain.chain.execute(
      (index, { signal }) => callableAt(index).invoke(messages, attemptOptions(options, signal)),
      { ...(options.signal === undefined ? {} : { signal: options.signal }), usageOf: usageOfMessage },
    );
    return { generations: [{ message, text: message.text }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const callableAt = this.attemptsOfOneCall();
    let serving = 0;
    const stream = await this.view.chain.chain.executeStream<AIMessageChunk>(
      (index, { signal }) => {
        serving = index;
        return callableAt(index).stream(messages, attemptOptions(options, signal));
      },
      {
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        stream: {
          isContent: isContentChunk,
          isFinal: isFinalChunk,
          usageOf: usageOfMessage,
          continueWith: continuation => {
            const { callables } = this.view;
            const next = (callables[serving + 1] ?? callables[serving]) as CallableModel;
            return continueStream(next, messages, attemptOptions(options, continuation.signal), continuation);
          },
        },
      },
    );
    for await (const message of stream) {
      const chunk = new ChatGenerationChunk({ message, text: message.text });
      yield chunk;
      await runManager?.handleLLMNewToken(chunk.text, undefined, undefined, undefined, undefined, { chunk });
    }
  }

  /**
   * The policies in use, by policy name: the chain's own (`<name>.model`: its `onFallback` events, one per model
   * fallback) and each model's (`<name>.model.<provider>.<model>`: its `circuitBreaker`, `recovery`), including a
   * policy of yours given as `policy` or returned by it. Shared by every model bound from this one; empty once
   * disposed.
   */
  policies(): ReadonlyMap<string, ResiliencePolicy<unknown>> {
    return this.view.chain.chain.policies();
  }

  /** Disposes the policies the chain created (shared by every model bound from this one); not yours. */
  dispose(): void {
    this.view.chain.chain.dispose();
  }

  /**
   * The models the attempts of one call use. The first attempt on a model that retries on its own, or any attempt
   * of a call the middleware saw a retry layer stacked on, reports LangChain retrying underneath (once per call,
   * as an event on the attempt's policy span).
   */
  private attemptsOfOneCall(): (index: number) => CallableModel {
    const { chain, models, callables } = this.view;
    const stacked = this.view.stackedRetry?.() === true;
    let reported = false;
    return index => {
      if (!reported && (stacked || innerMaxRetriesOf(models[index] as BaseChatModel) > 0)) {
        reported = true;
        chain.innerRetries.report(trace.getActiveSpan());
      }
      return callables[index] as CallableModel;
    };
  }
}
