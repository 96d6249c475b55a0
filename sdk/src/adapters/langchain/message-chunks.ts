import type { TokenUsage } from '../../core/stream-options.js';

/** The parts of a LangChain `AIMessage` / `AIMessageChunk` the adapter reads (duck-typed). */
interface MessageLike {
  readonly content?: unknown;
  readonly tool_call_chunks?: readonly unknown[];
  readonly tool_calls?: readonly unknown[];
  readonly usage_metadata?: { readonly input_tokens?: unknown; readonly output_tokens?: unknown };
  readonly response_metadata?: Readonly<Record<string, unknown>>;
  readonly additional_kwargs?: Readonly<Record<string, unknown>>;
}

const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;

/**
 * Whether a streamed `AIMessageChunk` carries output the consumer would see: text or content blocks, or a tool
 * call. The first such chunk commits the stream; role-only, metadata and usage chunks do not.
 */
export function isContentChunk(chunk: unknown): boolean {
  const message = chunk as MessageLike | null;
  if (message === null || typeof message !== 'object') return false;
  const { content } = message;
  if (typeof content === 'string' ? content.length > 0 : Array.isArray(content) && content.length > 0)
    return true;
  return (message.tool_call_chunks?.length ?? 0) > 0 || (message.tool_calls?.length ?? 0) > 0;
}

/**
 * Where the integrations put the reason a model stopped: OpenAI chat completions `finish_reason`, Anthropic
 * `stop_reason`, Google `finishReason` (in `response_metadata`, some in `additional_kwargs`).
 */
const FINISH_KEYS = ['finish_reason', 'stop_reason', 'finishReason'] as const;
/** The `status` of the OpenAI Responses API's last chunk (`response.completed`, `response.incomplete`). */
const FINISHED_STATUSES: ReadonlySet<unknown> = new Set(['completed', 'incomplete']);

const hasFinishReason = (fields: Readonly<Record<string, unknown>> | undefined): boolean =>
  typeof fields === 'object' &&
  fields !== null &&
  FINISH_KEYS.some(key => typeof fields[key] === 'string' && fields[key] !== '');

/**
 * Whether a streamed `AIMessageChunk` ends a complete answer: it carries the reason the model stopped (or the
 * Responses API's final status). A stream that completes after it without a content chunk is an empty answer,
 * served as `invoke` returns it: not a failure, never retried.
 */
export function isFinalChunk(chunk: unknown): boolean {
  const message = chunk as MessageLike | null;
  if (message === null || typeof message !== 'object') return false;
  const metadata = message.response_metadata;
  return (
    hasFinishReason(metadata) ||
    hasFinishReason(message.additional_kwargs) ||
    FINISHED_STATUSES.has(metadata?.status)
  );
}

/** Token usage a message (or the usage chunk of a stream) reports in `usage_metadata`. */
export function usageOfMessage(message: unknown): TokenUsage | undefined {
  const usage = (message as MessageLike | null)?.usage_metadata;
  if (usage === undefined || usage === null) return undefined;
  const inputTokens = count(usage.input_tokens);
  const outputTokens = count(usage.output_tokens);
  return {
    ...(inputTokens === undefined ? {} : { inputTokens }),
    ...(outputTokens === undefined ? {} : { outputTokens }),
  };
}
