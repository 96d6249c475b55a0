import type { StreamCallOptions, TokenUsage } from '../core/stream-options.js';
import { readUsage } from './genai-attributes.js';

/**
 * How a streamed model call reads its chunks: which chunks commit the stream (content the consumer may show),
 * which carry an error (an error frame inside an HTTP 200 stream, classified like the HTTP error it stands for),
 * and which report token usage (counted as served or wasted tokens).
 */
export type ModelStreamReaders<C = unknown> = Required<
  Pick<StreamCallOptions<C>, 'isContent' | 'isFinal' | 'errorOf' | 'usageOf'>
>;

type Chunk = Readonly<Record<string, unknown>>;

const isRecord = (value: unknown): value is Chunk => typeof value === 'object' && value !== null;
const nonEmpty = (value: unknown): boolean => typeof value === 'string' && value !== '';

/** Whether an OpenAI chat-completions chunk carries content: text, a refusal or a tool call in a delta. */
function openAiChatIsContent(chunk: unknown): boolean {
  if (!isRecord(chunk) || !Array.isArray(chunk.choices)) return false;
  for (const choice of chunk.choices as unknown[]) {
    const delta = isRecord(choice) ? choice.delta : undefined;
    if (!isRecord(delta)) continue;
    if (nonEmpty(delta.content) || nonEmpty(delta.refusal)) return true;
    if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) return true;
    if (isRecord(delta.function_call)) return true;
  }
  return false;
}

/** Whether an OpenAI chat-completions chunk ends the answer: a choice with a `finish_reason`. */
function openAiChatIsFinal(chunk: unknown): boolean {
  if (!isRecord(chunk) || !Array.isArray(chunk.choices)) return false;
  return (chunk.choices as unknown[]).some(c => isRecord(c) && nonEmpty(c.finish_reason));
}

/** Whether an Anthropic messages event ends the answer: `message_stop`, or a `message_delta` with a stop reason. */
function anthropicIsFinal(chunk: unknown): boolean {
  if (!isRecord(chunk)) return false;
  if (chunk.type === 'message_stop') return true;
  return chunk.type === 'message_delta' && isRecord(chunk.delta) && nonEmpty(chunk.delta.stop_reason);
}

/** The error object of an error frame (`{ error: {...} }` in OpenAI, `{ type: 'error', error }` elsewhere). */
function errorFrame(chunk: unknown): unknown {
  if (!isRecord(chunk)) return undefined;
  if (chunk.type === 'error') return chunk.error ?? chunk;
  return isRecord(chunk.error) ? chunk.error : undefined;
}

/** Usage of an Anthropic `message_start` (in its message) or any chunk with a `usage` field. */
function chunkUsage(chunk: unknown): TokenUsage | undefined {
  if (isRecord(chunk) && chunk.type === 'message_start') return readUsage(chunk.message);
  return readUsage(chunk);
}

/**
 * Readers of OpenAI chat-completions chunks (`openai.chat.completions.create({ ..., stream: true })`): a chunk
 * whose delta has text, a refusal or a tool call is content (the first one, a role-only delta, is not), one with
 * a `finish_reason` is final (an empty answer ends there); an
 * `{ error }` frame carries an error; the last chunk reports usage when the request sets
 * `stream_options: { include_usage: true }`.
 */
export const OPENAI_CHAT_STREAM_READERS: ModelStreamReaders = Object.freeze({
  isContent: openAiChatIsContent,
  isFinal: openAiChatIsFinal,
  errorOf: errorFrame,
  usageOf: chunkUsage,
});

/**
 * Readers of Anthropic messages events (`anthropic.messages.create({ ..., stream: true })`): a
 * `content_block_delta` (text, thinking or tool input) is content; `message_stop` (or a `message_delta` with a
 * stop reason) is final; an `error` event (e.g. `overloaded_error`)
 * carries an error; `message_start` reports the input tokens and `message_delta` the output tokens.
 */
export const ANTHROPIC_MESSAGES_STREAM_READERS: ModelStreamReaders = Object.freeze({
  isContent: (chunk: unknown) => isRecord(chunk) && chunk.type === 'content_block_delta',
  isFinal: anthropicIsFinal,
  errorOf: errorFrame,
  usageOf: chunkUsage,
});

/** Anthropic stream event types that are not content (they precede, frame or end it). */
const ANTHROPIC_FRAMING = new Set([
  'message_start',
  'content_block_start',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
  'error',
]);

/**
 * The readers `modelStream` uses unless told otherwise: OpenAI chat-completions chunks and Anthropic messages
 * events are read as {@link OPENAI_CHAT_STREAM_READERS} and {@link ANTHROPIC_MESSAGES_STREAM_READERS} read them;
 * a chunk of any other shape is content (as in `executeStream`), unless it is an error frame.
 */
export const MODEL_STREAM_READERS: ModelStreamReaders = Object.freeze({
  isContent: (chunk: unknown) => {
    if (!isRecord(chunk)) return true;
    if (Array.isArray(chunk.choices)) return openAiChatIsContent(chunk);
    return !(typeof chunk.type === 'string' && ANTHROPIC_FRAMING.has(chunk.type));
  },
  isFinal: (chunk: unknown) => openAiChatIsFinal(chunk) || anthropicIsFinal(chunk),
  errorOf: errorFrame,
  usageOf: chunkUsage,
});
