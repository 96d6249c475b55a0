import type {
  BaseLanguageModelInput,
  StructuredOutputMethodOptions,
} from '@langchain/core/language_models/base';
import { BaseChatModel, type BindToolsInput } from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { type Runnable, RunnableLambda } from '@langchain/core/runnables';
import type { SerializableSchema } from '@langchain/core/utils/standard_schema';
import type { InteropZodType } from '@langchain/core/utils/types';
import type { ModelChain } from '../shared/model-chain.js';
import { attemptOptions } from './attempt-options.js';
import { usageOfMessage } from './message-chunks.js';

/** The schema `withStructuredOutput` takes: a Zod schema, a standard schema or a JSON schema. */
export type OutputSchema<RunOutput = Record<string, unknown>> =
  | InteropZodType<RunOutput>
  | SerializableSchema<RunOutput>
  | Record<string, unknown>;

/** `withStructuredOutput` with either value of `includeRaw`. */
type StructuredOutputMethod = (
  this: unknown,
  schema: OutputSchema,
  config?: StructuredOutputMethodOptions<boolean>,
) => Runnable<BaseLanguageModelInput, unknown>;

/** An AI message as an `AIMessageChunk` (the only kind the base structured-output parser takes). */
function asChunk(message: BaseMessage): BaseMessage {
  if (AIMessageChunk.isInstance(message) || !AIMessage.isInstance(message)) return message;
  const { content, id, name, additional_kwargs, response_metadata, tool_calls, usage_metadata } = message;
  return new AIMessageChunk({
    content,
    additional_kwargs,
    response_metadata,
    tool_calls: tool_calls ?? [],
    ...(id === undefined ? {} : { id }),
    ...(name === undefined ? {} : { name }),
    ...(usage_metadata === undefined ? {} : { usage_metadata }),
  });
}

/**
 * What `model.withStructuredOutput(schema, config)` gives on its own: the model's own method (ChatOpenAI's
 * `json_schema` response format, a forced tool call for others). A model that keeps `BaseChatModel`'s method
 * (binding the schema as a tool) gets it with its answers as `AIMessageChunk`s: that method's parser takes nothing
 * else, while most models answer `invoke` with an `AIMessage` (on its own, such a model always throws "Input is
 * not an AIMessageChunk").
 */
export function structuredOutputOf(
  model: BaseChatModel,
  schema: OutputSchema,
  config: StructuredOutputMethodOptions<boolean> | undefined,
): Runnable<BaseLanguageModelInput, unknown> {
  const base = BaseChatModel.prototype.withStructuredOutput as StructuredOutputMethod;
  const own = model.withStructuredOutput as StructuredOutputMethod;
  if (own !== base) return own.call(model, schema, config);
  // The base method asks `this` for `bindTools` only.
  const chunking = {
    bindTools: (tools: BindToolsInput[], kwargs?: Record<string, unknown>) =>
      model.bindTools?.(tools, kwargs).pipe(RunnableLambda.from(asChunk)),
  };
  return base.call(chunking, schema, config);
}

/**
 * Structured output through a model chain: each attempt runs one model's own structured-output runnable
 * (`structuredOutputs[index]`, its request and its parse), the primary's first, then each fallback's, like `invoke`.
 * An answer the schema rejects fails its attempt (retried, then sent to the next model), as
 * `withStructuredOutput(...).withFallbacks(...)` does in LangChain. Attempts run without the caller's callbacks,
 * like every attempt of the adapter. With `includeRaw`, the raw message's usage counts as served tokens.
 */
export function resilientStructuredOutput(
  chain: ModelChain<number>,
  structuredOutputs: readonly Runnable<BaseLanguageModelInput, unknown>[],
): Runnable<BaseLanguageModelInput, unknown> {
  return RunnableLambda.from((input: BaseLanguageModelInput, config) =>
    chain.execute(
      (index, { signal }) =>
        (structuredOutputs[index] as Runnable<BaseLanguageModelInput, unknown>).invoke(
          input,
          attemptOptions({}, signal),
        ),
      {
        ...(config?.signal === undefined ? {} : { signal: config.signal }),
        usageOf: output => usageOfMessage((output as { raw?: unknown } | null)?.raw),
      },
    ),
  ).withConfig({ runName: 'ResilientStructuredOutput' });
}
