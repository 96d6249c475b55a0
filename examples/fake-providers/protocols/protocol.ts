import type { ProviderError, Usage } from '../behavior.js';

/** The wire protocols the fake provider speaks. */
export type ProtocolName = 'openai.chat' | 'openai.responses' | 'anthropic.messages';

/** What the server needs from a model request body. */
export interface ParsedRequest {
  readonly model: string;
  readonly stream: boolean;
  /** The text of the last user message (bounded). */
  readonly prompt: string;
  /** OpenAI chat: `stream_options.include_usage` (a final usage chunk). */
  readonly includeUsage: boolean;
}

/** One answer, before it is rendered in a protocol's shape. */
export interface Completion {
  /** Unique per request, e.g. `7`; protocols prefix it (`chatcmpl-7`, `msg_7`, `resp_7`). */
  readonly id: string;
  readonly model: string;
  /** Unix seconds. */
  readonly created: number;
  readonly text: string;
  readonly usage: Usage;
}

/** One server-sent event: `event:` (when set) and `data:` (already serialised). */
export interface SseFrame {
  readonly event?: string;
  readonly data: string;
}

/** The frames of one streamed answer; holds per-stream state (e.g. Responses sequence numbers). */
export interface StreamFrames {
  /** Frames before the first content chunk (role chunk, `message_start`, `response.created`...). */
  preamble(): SseFrame[];
  /** The frame carrying one content chunk. */
  delta(piece: string): SseFrame[];
  /** Frames after the last content chunk (finish reason, usage, `[DONE]`, `message_stop`...). */
  finish(): SseFrame[];
  /** The error frame a provider sends inside an HTTP 200 stream. */
  error(error: ProviderError): SseFrame[];
}

/** One wire protocol: how to read its requests and write its answers, errors and streams. */
export interface ProviderProtocol {
  readonly name: ProtocolName;
  /** The POST route, e.g. `/v1/chat/completions`. */
  readonly path: string;
  /** The response header carrying the request id (`x-request-id`, `request-id`). */
  readonly requestIdHeader: string;
  /** Reads a request body; undefined when it is not a request of this protocol. */
  parse(body: unknown): ParsedRequest | undefined;
  /** The non-streaming JSON answer. */
  body(completion: Completion): unknown;
  /** The JSON body of an HTTP error. */
  errorBody(error: ProviderError, requestId: string): unknown;
  /** The error a status answers with when the script does not say. */
  defaultError(status: number): ProviderError;
  /** The error an error frame carries when the script does not say. */
  readonly defaultFrameError: ProviderError;
  /** The frames of a streamed answer. */
  stream(completion: Completion, request: ParsedRequest): StreamFrames;
}

/** The longest prompt text kept from a request, in characters (prompts only pick canned answers). */
export const MAX_PROMPT_CHARS = 10_000;

/** The text of a message `content`: a string, or the `text` of its parts (bounded). */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content.slice(0, MAX_PROMPT_CHARS);
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    const piece = (part as { text?: unknown } | null)?.text;
    if (typeof piece === 'string') text += piece;
    if (text.length >= MAX_PROMPT_CHARS) break;
  }
  return text.slice(0, MAX_PROMPT_CHARS);
}

/** The content of the last element of `messages` that has one, as text. */
export function lastContent(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const content = (messages[i] as { content?: unknown } | null)?.content;
    if (content !== undefined) return textOf(content);
  }
  return '';
}

/** A JSON object's field when the value is an object. */
export function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

/** A data-only frame with `value` as JSON. */
export const dataFrame = (value: unknown): SseFrame => ({ data: JSON.stringify(value) });

/** A named frame (`event: <type>`) with `value` as JSON. */
export const eventFrame = (event: string, value: unknown): SseFrame => ({
  event,
  data: JSON.stringify(value),
});

/** The SSE text of frames: `event:` line when named, one `data:` line, a blank line. */
export function encodeFrames(frames: readonly SseFrame[]): string {
  let text = '';
  for (const frame of frames) {
    if (frame.event !== undefined) text += `event: ${frame.event}\n`;
    text += `data: ${frame.data}\n\n`;
  }
  return text;
}

/** `text` split into at most `chunks` pieces of near-equal length that join back to it (one piece when empty). */
export function splitText(text: string, chunks: number): string[] {
  const count = Math.max(1, Math.min(chunks, text.length));
  const pieces: string[] = [];
  for (let i = 0; i < count; i++) {
    pieces.push(
      text.slice(Math.floor((i * text.length) / count), Math.floor(((i + 1) * text.length) / count)),
    );
  }
  return pieces;
}
