import type {
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from '@ai-sdk/provider';
import type { StreamCallOptions, TokenUsage } from '../../core/stream-options.js';

/**
 * Parts that reach the consumer as model output: the first one commits a stream. `stream-start`,
 * `response-metadata`, `text-start` and the like are bookkeeping: they are held back until the commit, so an
 * attempt that fails before it leaves no trace in the consumer's stream.
 */
const CONTENT_PARTS: ReadonlySet<LanguageModelV4StreamPart['type']> = new Set([
  'text-delta',
  'reasoning-delta',
  'tool-input-delta',
  'tool-call',
  'tool-result',
  'file',
  'source',
]);

/** An `error` part that carries no error still ends the stream: a failure of the provider (`server_error`). */
export class EmptyErrorPartError extends Error {
  override readonly name = 'EmptyErrorPartError';
  readonly status = 502;

  constructor() {
    super('The model stream sent an error part without an error');
  }
}

/** Whether a part is model output (the stream commits at the first one). */
export function isContentPart(part: LanguageModelV4StreamPart): boolean {
  return CONTENT_PARTS.has(part.type);
}

/**
 * Whether a part ends a complete answer: the `finish` part (with its finish reason and usage). A stream that
 * completes after it without a content part (an empty reply, a reasoning model whose output budget went to hidden
 * reasoning, finish `length`) is that answer, served as `doGenerate` returns it: not a failure, never retried.
 */
export function isFinalPart(part: LanguageModelV4StreamPart): boolean {
  return part.type === 'finish';
}

/**
 * The error an `error` part carries: the provider's error frame inside an HTTP 200 stream (an OpenAI `error` or
 * `response.failed` event, an Anthropic `overloaded_error` event), which the classifier reads like the HTTP error
 * it stands for (status, type, code, `isRetryable`).
 */
export function errorOfPart(part: LanguageModelV4StreamPart): unknown {
  if (part.type !== 'error') return undefined;
  return part.error ?? new EmptyErrorPartError();
}

/** Input and output token totals of an AI SDK usage report. */
function tokenUsage(usage: LanguageModelV4Usage | undefined): TokenUsage | undefined {
  if (usage === undefined) return undefined;
  return { inputTokens: usage.inputTokens?.total, outputTokens: usage.outputTokens?.total };
}

/** The usage a stream reports, in its `finish` part. */
export function usageOfPart(part: LanguageModelV4StreamPart): TokenUsage | undefined {
  return part.type === 'finish' ? tokenUsage(part.usage) : undefined;
}

/** The usage of a `doGenerate` result. */
export function usageOfResult(result: unknown): TokenUsage | undefined {
  return tokenUsage((result as LanguageModelV4GenerateResult | undefined)?.usage);
}

/** How the resilient stream reads AI SDK stream parts. */
export const PART_READERS: StreamCallOptions<LanguageModelV4StreamPart> = {
  isContent: isContentPart,
  isFinal: isFinalPart,
  errorOf: errorOfPart,
  usageOf: usageOfPart,
};
