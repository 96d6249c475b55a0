import { type Attributes, SpanKind } from '@opentelemetry/api';
import type {
  ExecuteStreamOptions,
  StreamCallOptions,
  StreamFn,
  TokenUsage,
} from '../core/stream-options.js';
import { UsageTally } from '../core/token-usage.js';
import type { ResiliencePolicy } from '../pipeline/create-policy.js';
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  chatSpanName,
  GEN_AI_OPERATION_CHAT,
} from '../semconv.js';
import { responseAttributes } from './genai-attributes.js';
import { GEN_AI_LATEST } from './genai-conventions.js';
import { recordInferenceUsage, startGenAiMeasure } from './genai-metrics.js';
import { emitsGenAi } from './genai-telemetry.js';
import { GEN_AI_DURATION, type ModelCall } from './model-call.js';
import { ObservedStream, type StreamEnd } from './observed-stream.js';
import { MODEL_STREAM_READERS } from './stream-readers.js';
import { usageReader } from './usage-claims.js';

/** One streamed model call of an agent. */
export interface ModelStreamCall<C> extends ModelCall {
  /** The caller's chunk readers (each one given replaces the default) and `continueWith`. */
  readonly stream: StreamCallOptions<C> | undefined;
}

/** The caller's readers over the defaults ({@link MODEL_STREAM_READERS}); a reader's usage is claimed per chunk. */
function readersOf<C>(stream: StreamCallOptions<C> | undefined): StreamCallOptions<C> {
  const usageOf = stream?.usageOf ?? MODEL_STREAM_READERS.usageOf;
  return {
    ...stream,
    isContent: stream?.isContent ?? MODEL_STREAM_READERS.isContent,
    isFinal: stream?.isFinal ?? MODEL_STREAM_READERS.isFinal,
    errorOf: stream?.errorOf ?? MODEL_STREAM_READERS.errorOf,
    // A chunk that passes through two calls (a fallback's or a continuation's stream) is counted by the first.
    usageOf: usageReader(chunk => usageOf(chunk as C)),
  };
}

/**
 * Runs a streamed model call through `policy` (`executeStream`): resolves at the commit with the stream for the
 * consumer. The policy is told the model (for the time to first chunk) and how to read the chunks (by default
 * OpenAI chat-completions chunks and Anthropic messages events: {@link MODEL_STREAM_READERS}), so failures before
 * the commit are retried or fall back unseen and the chunks' usage counts as served or wasted tokens. When the
 * call reports GenAI telemetry ({@link emitsGenAi}), its call span is `chat {model}` (CLIENT), ending with the
 * stream with the usage and response model its chunks reported; its duration, up to the end of the stream, goes to
 * the GenAI duration metric (with the opt-in, its usage to the usage
 * counters); otherwise the call span is the policy's own.
 */
export async function streamModel<C>(
  policy: ResiliencePolicy<unknown>,
  fn: StreamFn<C>,
  call: ModelStreamCall<C>,
): Promise<AsyncIterable<C>> {
  const stream = readersOf(call.stream);
  const execute: ExecuteStreamOptions<C> = {
    ...call.execute,
    genAi: { provider: call.provider, model: call.model },
    stream,
  };
  if (!emitsGenAi(call.genAiTelemetry)) return policy.executeStream(fn, execute);
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_CHAT,
    [ATTR_GEN_AI_PROVIDER_NAME]: call.provider,
    [ATTR_GEN_AI_REQUEST_MODEL]: call.model,
  };
  const end = startGenAiMeasure(GEN_AI_DURATION, attributes);
  // The usage and response model of the chunks the consumer got (a running total: the largest report wins), for
  // the chat span as the stream ends and, with the opt-in, for the usage counters.
  const served = new UsageTally();
  let responseModel: string | undefined;
  const usageOf = stream.usageOf;
  let chunks: AsyncIterable<C>;
  try {
    chunks = await policy.executeStream(fn, {
      ...execute,
      span: {
        name: chatSpanName(call.model),
        kind: SpanKind.CLIENT,
        attributes: { ...attributes, [ATTR_GEN_AI_AGENT_NAME]: call.agent },
        endAttributes: () => responseAttributes({ model: responseModel }, tallied(served)),
      },
    });
  } catch (error) {
    end({ error });
    throw error;
  }
  return new ObservedStream(
    chunks,
    (ended: StreamEnd) => {
      end(ended.kind === 'failed' ? { error: ended.error } : undefined);
      if (GEN_AI_LATEST && ended.kind === 'completed') recordInferenceUsage(attributes, tallied(served));
    },
    chunk => {
      responseModel ??= chunkModel(chunk);
      if (usageOf !== undefined) served.add(usageOf(chunk));
    },
  );
}

/** A tally as usage: undefined when no chunk reported any. */
const tallied = (usage: UsageTally): TokenUsage | undefined =>
  usage.inputTokens + usage.outputTokens > 0
    ? { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens }
    : undefined;

/** The model a chunk says answered: an OpenAI chunk's `model`, an Anthropic `message_start`'s `message.model`. */
function chunkModel(chunk: unknown): string | undefined {
  if (typeof chunk !== 'object' || chunk === null) return undefined;
  const { model, message } = chunk as { model?: unknown; message?: { model?: unknown } };
  const found = model ?? (typeof message === 'object' && message !== null ? message.model : undefined);
  return typeof found === 'string' && found !== '' ? found : undefined;
}
