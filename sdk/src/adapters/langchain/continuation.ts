import { AIMessage, type AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import type { StreamContinuation } from '../../core/stream-options.js';

/** A chat model of the chain as a continuation calls it. */
interface StreamingModel {
  stream(messages: BaseMessage[], options: { signal: AbortSignal }): Promise<AsyncIterable<AIMessageChunk>>;
}

/**
 * The messages that ask a model to continue a broken answer: the call's messages with the text the consumer
 * already received appended as an assistant message (a "prefill"). Anthropic models continue a trailing
 * assistant message natively; OpenAI-style models read it as their previous turn and usually go on from it.
 * A partial tool call cannot be continued: the stream then ends with its `StreamBrokenError`.
 */
export function continuationMessages(
  messages: readonly BaseMessage[],
  partial: readonly AIMessageChunk[],
): BaseMessage[] {
  if (partial.some(chunk => (chunk.tool_call_chunks?.length ?? 0) > 0)) {
    throw new TypeError('A partial tool call cannot be continued by another model');
  }
  const text = partial.map(chunk => chunk.text).join('');
  return text === '' ? [...messages] : [...messages, new AIMessage(text)];
}

/** The continuation's chunks under the broken message's id, so a consumer sees one message growing. */
async function* underId(
  chunks: AsyncIterable<AIMessageChunk>,
  id: string | undefined,
): AsyncGenerator<AIMessageChunk> {
  for await (const chunk of chunks) {
    if (id !== undefined && chunk.id !== id) {
      chunk.id = id;
      chunk.lc_kwargs.id = id;
    }
    yield chunk;
  }
}

/**
 * Continues a stream that broke after its commit (`stream.afterCommit: 'fallback-continue'`): the next model of
 * the chain (the same model when the broken one was the last) streams the rest of the answer, given the partial
 * text. Its options are the call's, with the continuation's signal.
 */
export async function continueStream(
  model: StreamingModel,
  messages: readonly BaseMessage[],
  options: Record<string, unknown>,
  { partial, signal }: StreamContinuation<AIMessageChunk>,
): Promise<AsyncIterable<AIMessageChunk>> {
  const stream = await model.stream(continuationMessages(messages, partial), { ...options, signal });
  return underId(stream, partial.find(chunk => chunk.id !== undefined)?.id);
}
