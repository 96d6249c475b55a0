import type { ModelResponse, StreamEvent } from '@openai/agents-core';
import type { StreamCallOptions, TokenUsage } from '../../core/stream-options.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/**
 * Whether a raw provider event (a `model` stream event) is a tool-call delta: Responses
 * `response.function_call_arguments.delta`, or a Chat Completions chunk whose delta has `tool_calls`.
 */
function isToolCallDelta(raw: unknown): boolean {
  if (!isRecord(raw)) return false;
  if (raw.type === 'response.function_call_arguments.delta') return true;
  const choices = raw.choices;
  if (!Array.isArray(choices)) return false;
  return choices.some(choice => {
    const calls = isRecord(choice) && isRecord(choice.delta) ? choice.delta.tool_calls : undefined;
    return Array.isArray(calls) && calls.length > 0;
  });
}

/**
 * Whether an event is content the consumer acts on (the first one commits the stream): output text, a tool-call
 * delta, or the final `response_done` (a response with tool calls only may have nothing before it). Not content:
 * `response_started` and the other raw provider events, which are held back until the commit.
 */
export function isContentEvent(event: StreamEvent): boolean {
  switch (event.type) {
    case 'output_text_delta':
    case 'response_done':
      return true;
    case 'model':
      return isToolCallDelta(event.event);
    default:
      return false;
  }
}

/**
 * The error an event carries: a raw Responses `error` event (`{ code, message }`) or `response.failed` (its
 * `response.error`), classified like the HTTP error it stands for. The OpenAI models also throw these, but only
 * after the raw event, and with less detail.
 */
export function errorOfEvent(event: StreamEvent): unknown {
  if (event.type !== 'model' || !isRecord(event.event)) return undefined;
  const raw = event.event;
  if (raw.type === 'error') return raw;
  if (raw.type === 'response.failed') {
    const response = raw.response;
    return isRecord(response) && isRecord(response.error) ? response.error : raw;
  }
  return undefined;
}

/** Input and output tokens of an Agents SDK `Usage` (or anything shaped like it). */
function tokenUsage(usage: unknown): TokenUsage | undefined {
  if (!isRecord(usage)) return undefined;
  const { inputTokens, outputTokens } = usage;
  return {
    ...(typeof inputTokens === 'number' ? { inputTokens } : {}),
    ...(typeof outputTokens === 'number' ? { outputTokens } : {}),
  };
}

/** Token usage reported by a stream event (the `response_done` event). */
export function usageOfEvent(event: StreamEvent): TokenUsage | undefined {
  return event.type === 'response_done' ? tokenUsage(event.response.usage) : undefined;
}

/** Token usage of a `ModelResponse`. */
export function usageOfResponse(response: unknown): TokenUsage | undefined {
  return isRecord(response) ? tokenUsage((response as Partial<ModelResponse>).usage) : undefined;
}

/** How the stream stage reads the Agents SDK's model stream events. */
export const STREAM_EVENTS: StreamCallOptions<StreamEvent> = Object.freeze({
  isContent: isContentEvent,
  errorOf: errorOfEvent,
  usageOf: usageOfEvent,
});
