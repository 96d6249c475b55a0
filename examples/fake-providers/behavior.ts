/**
 * What the fake provider does with one model request: answer, or one of the faults real providers show.
 * Every delay is bounded by {@link MAX_DELAY_MS}, so no scripted behaviour can hang a test.
 */

/** The longest any scripted delay or stall may last, in ms. */
export const MAX_DELAY_MS = 60_000;
/** The most content chunks one answer may be split into. */
export const MAX_CHUNKS = 100_000;

/** An error as the provider reports it; each protocol renders it in its own wire shape. */
export interface ProviderError {
  /** OpenAI `error.type` / Anthropic `error.type`, e.g. `server_error`, `overloaded_error`. */
  readonly type: string;
  readonly message: string;
  /** OpenAI `error.code`, e.g. `rate_limit_exceeded` (Anthropic bodies have no code). */
  readonly code?: string | null;
}

/** Token counts reported for an answer. */
export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** Shared by every behaviour: a wait before the server does anything (before the response headers). */
interface Delayed {
  /** Wait before the response starts, in ms (the provider's latency). @default 0 */
  readonly delayMs?: number;
}

/** How an answer is shaped (for faults that happen mid-answer too). */
export interface AnswerShape extends Delayed {
  /** The answer text. @default the provider's `answer(prompt)` */
  readonly text?: string;
  /** Content chunks a streamed answer is split into (fewer when the text is shorter). @default 4 */
  readonly chunks?: number;
  /** Streams only: wait after the headers and preamble frames, before the first content chunk, in ms. */
  readonly firstChunkDelayMs?: number;
  /** Streams only: wait between two content chunks, in ms (slow chunks). @default 0 */
  readonly chunkDelayMs?: number;
  /** Reported usage. @default input `10 + ceil(prompt chars / 4)`, output `max(1, ceil(text chars / 4))` */
  readonly usage?: Usage;
}

/** A normal answer: JSON, or a complete SSE stream. */
export interface AnswerBehavior extends AnswerShape {
  readonly kind: 'answer';
}

/** An HTTP error status with the provider's JSON error body. */
export interface StatusBehavior extends Delayed {
  readonly kind: 'status';
  /** HTTP status in [400, 599]. */
  readonly status: number;
  /** Extra response headers, e.g. `retry-after`, `retry-after-ms`, `x-should-retry`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Fields of the error, merged over the protocol's default for the status. */
  readonly error?: Partial<ProviderError>;
  /** A raw JSON body sent as is instead of the protocol's error body. */
  readonly body?: unknown;
}

/** The connection is reset (TCP RST) before any response header. */
export interface ResetBehavior extends Delayed {
  readonly kind: 'reset';
}

/**
 * After `afterChunks` content chunks the server sends nothing more and keeps the connection open, until the
 * client closes it or `maxMs` passes (then it destroys the connection). On a non-streaming request the whole
 * response stalls before its headers. With `afterChunks: 0` nothing follows the headers, not even a preamble.
 */
export interface StallBehavior extends AnswerShape {
  readonly kind: 'stall';
  readonly afterChunks: number;
  /** Longest stall, in ms. @default the provider's `stallMaxMs` (10 s) */
  readonly maxMs?: number;
}

/**
 * After `afterChunks` content chunks the server destroys the socket mid-body. On a non-streaming request it sends
 * the headers and half of the JSON body first.
 */
export interface DropBehavior extends AnswerShape {
  readonly kind: 'drop';
  readonly afterChunks: number;
}

/**
 * After `afterChunks` content chunks the server sends the protocol's error frame inside the HTTP 200 stream and
 * ends it (`afterChunks: 0`: the error is the first frame). On a non-streaming request it answers HTTP 500 with
 * the same error, as a provider does when it fails before committing the response.
 */
export interface ErrorFrameBehavior extends AnswerShape {
  readonly kind: 'error-frame';
  readonly afterChunks: number;
  /** Fields of the error, merged over the protocol's default frame error. */
  readonly error?: Partial<ProviderError>;
}

/** How the provider answers one model request. */
export type Behavior =
  | AnswerBehavior
  | StatusBehavior
  | ResetBehavior
  | StallBehavior
  | DropBehavior
  | ErrorFrameBehavior;

/** A mid-stream fault: what happens after `afterChunks` content chunks. */
export type StreamFault = StallBehavior | DropBehavior | ErrorFrameBehavior;

const KINDS: ReadonlySet<string> = new Set(['answer', 'status', 'reset', 'stall', 'drop', 'error-frame']);

function checkInteger(name: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
  }
}

function checkDelay(name: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_DELAY_MS) {
    throw new RangeError(
      `${name} must be a number of ms in [0, ${MAX_DELAY_MS}], got ${JSON.stringify(value)}`,
    );
  }
}

/** Throws a `TypeError`/`RangeError` naming the field when `behavior` is not a valid {@link Behavior}. */
export function validateBehavior(behavior: Behavior): Behavior {
  if (typeof behavior !== 'object' || behavior === null || !KINDS.has(behavior.kind)) {
    throw new TypeError(
      `behavior.kind must be one of ${[...KINDS].join(', ')}, got ${JSON.stringify((behavior as { kind?: unknown })?.kind)}`,
    );
  }
  checkDelay('behavior.delayMs', behavior.delayMs);
  if (behavior.kind === 'status') {
    checkInteger('behavior.status', behavior.status, 400, 599);
    return behavior;
  }
  if (behavior.kind === 'reset') return behavior;
  checkInteger('behavior.chunks', behavior.chunks, 1, MAX_CHUNKS);
  checkDelay('behavior.firstChunkDelayMs', behavior.firstChunkDelayMs);
  checkDelay('behavior.chunkDelayMs', behavior.chunkDelayMs);
  if (behavior.text !== undefined && typeof behavior.text !== 'string') {
    throw new TypeError(`behavior.text must be a string, got ${typeof behavior.text}`);
  }
  checkInteger('behavior.usage.inputTokens', behavior.usage?.inputTokens, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('behavior.usage.outputTokens', behavior.usage?.outputTokens, 0, Number.MAX_SAFE_INTEGER);
  if (behavior.kind === 'answer') return behavior;
  if (behavior.afterChunks === undefined) {
    throw new TypeError(`behavior.afterChunks is required for kind ${behavior.kind}`);
  }
  checkInteger('behavior.afterChunks', behavior.afterChunks, 0, MAX_CHUNKS);
  if (behavior.kind === 'stall') checkDelay('behavior.maxMs', behavior.maxMs);
  return behavior;
}
