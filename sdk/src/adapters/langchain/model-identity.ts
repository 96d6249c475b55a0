import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { safelyGet } from '../../util/safely.js';
import type { ModelKey } from '../shared/model-chain.js';

/** What the adapter reads of a chat model besides the `BaseChatModel` API (all optional, duck-typed). */
interface ChatModelInternals {
  /** `AsyncCaller` of every `BaseLanguageModel`: it retries each provider request `maxRetries` times (default 6). */
  readonly caller?: { readonly maxRetries?: unknown };
  /** Settings of a `ConfigurableModel` (`initChatModel`, `createAgent({ model: 'openai:gpt-4o' })`). */
  readonly _defaultConfig?: {
    readonly model?: unknown;
    readonly modelProvider?: unknown;
    readonly maxRetries?: unknown;
  };
  readonly _getModelInstance?: unknown;
  readonly model?: unknown;
  readonly modelName?: unknown;
}

/** What LangChain's `AsyncCaller` does when `maxRetries` is not set. */
const LANGCHAIN_DEFAULT_MAX_RETRIES = 6;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

const internals = (model: BaseChatModel): ChatModelInternals => model as unknown as ChatModelInternals;

/** Whether `value` looks like a LangChain chat model (any `BaseChatModel`, from any copy of `@langchain/core`). */
export function isChatModel(value: unknown): value is BaseChatModel {
  const model = value as Partial<Record<'invoke' | 'stream' | '_llmType', unknown>> | null;
  return (
    typeof model === 'object' &&
    model !== null &&
    typeof model.invoke === 'function' &&
    typeof model.stream === 'function' &&
    typeof model._llmType === 'function'
  );
}

/**
 * The provider and model id of a chat model, the key of its breaker: LangChain's own tracing identity
 * (`getLsParams()`: `ls_provider`, `ls_model_name`), else a `ConfigurableModel`'s settings, else `_llmType()` and
 * the `model` / `modelName` field.
 */
export function modelKeyOf(model: BaseChatModel): ModelKey {
  const own = internals(model);
  const params = safelyGet(
    'reading a LangChain model identity (getLsParams)',
    () => model.getLsParams({} as never) as { ls_provider?: unknown; ls_model_name?: unknown },
    {},
  );
  const configured = own._defaultConfig;
  const provider =
    text(configured?.modelProvider) ??
    (typeof own._getModelInstance === 'function' ? undefined : text(params.ls_provider)) ??
    text(safelyGet('reading a LangChain model type (_llmType)', () => model._llmType(), '')) ??
    'unknown';
  const id =
    text(configured?.model) ??
    text(params.ls_model_name) ??
    text(own.model) ??
    text(own.modelName) ??
    model.getName();
  return { provider, model: id };
}

/**
 * How many times LangChain itself retries each request of `model` (its `AsyncCaller`, or the `maxRetries` a
 * `ConfigurableModel` passes to the model it creates; LangChain's default is 6).
 */
export function innerMaxRetriesOf(model: BaseChatModel): number {
  const own = internals(model);
  if (typeof own._getModelInstance === 'function') {
    const configured = own._defaultConfig?.maxRetries;
    return typeof configured === 'number' ? configured : LANGCHAIN_DEFAULT_MAX_RETRIES;
  }
  const maxRetries = own.caller?.maxRetries;
  return typeof maxRetries === 'number' && maxRetries > 0 ? maxRetries : 0;
}
