import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { METRIC_INNER_RETRIES } from '../../semconv.js';
import { describeValue } from '../../util/validate.js';
import { isChatModel } from './model-identity.js';
import { type ResilientModelOptions, resolveOptions } from './options.js';
import { ResilientChatModel, ResilientModelChain, viewOf } from './resilient-chat-model.js';

/**
 * Makes a LangChain chat model resilient: the result is a chat model (use it anywhere the original goes:
 * `invoke`, `stream`, `streamEvents`, `bindTools`, `withStructuredOutput`, `createAgent({ model })`) whose calls
 * run through a policy per model (retries honouring Retry-After, a breaker keyed by provider + model id,
 * timeouts) with `fallbacks` tried in order. Streams fall back only before their first content chunk, so the
 * consumer never sees a failed attempt's output; the stream timeouts (`stream.firstChunkTimeoutMs`,
 * `stream.stallTimeoutMs`) fire per attempt.
 *
 * One retry layer: build each model with `maxRetries: 0` (LangChain's `AsyncCaller` retries each request 6 times
 * by default, so 3 policy retries would make up to 28 requests). A model that still retries on its own is
 * reported once through `diag` and counted in {@link METRIC_INNER_RETRIES}.
 *
 * @example
 * const model = withResilience(new ChatOpenAI({ model: 'gpt-4o-mini', maxRetries: 0 }), {
 *   fallbacks: [new ChatAnthropic({ model: 'claude-haiku-4-5', maxRetries: 0 })],
 *   stream: { firstChunkTimeoutMs: 10_000, stallTimeoutMs: 5_000 },
 * });
 * for await (const chunk of await model.stream('Hello')) process.stdout.write(chunk.text);
 */
export function withResilience(model: BaseChatModel, options?: ResilientModelOptions): ResilientChatModel {
  if (!isChatModel(model)) {
    throw new TypeError(
      `Invalid options for withResilience: model must be a LangChain chat model (a BaseChatModel), got ${describeValue(model)}`,
    );
  }
  const resolved = resolveOptions('withResilience', options, { tools: false });
  const models = [model, ...resolved.fallbacks];
  return new ResilientChatModel(
    viewOf(new ResilientModelChain(`${resolved.name}.model`, models, resolved.chain), models),
  );
}
