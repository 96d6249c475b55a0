import type {
  AnswerShape,
  DropBehavior,
  ErrorFrameBehavior,
  ProviderError,
  ResetBehavior,
  StallBehavior,
  StatusBehavior,
} from './behavior.js';

/** Options shared by the HTTP-status faults. */
export interface StatusFaultOptions {
  /** Wait before answering, in ms. */
  readonly delayMs?: number;
  /** Extra response headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Fields of the error body, over the protocol's default for the status. */
  readonly error?: Partial<ProviderError>;
}

/** Options of {@link faults.rateLimited}. */
export interface RateLimitOptions extends StatusFaultOptions {
  /** `retry-after` header, in seconds. @default 1 */
  readonly retryAfterSeconds?: number;
  /** `retry-after-ms` header, when set (OpenAI and Anthropic clients read it first). */
  readonly retryAfterMs?: number;
}

function status(code: number, options: StatusFaultOptions = {}): StatusBehavior {
  return { kind: 'status', status: code, ...options };
}

/**
 * Ready-made behaviours for the failures real providers show. The body of a status fault is rendered by the
 * protocol of the request (OpenAI `{ error: {...} }`, Anthropic `{ type: 'error', error: {...} }`).
 */
export const faults = {
  /** 429 with `retry-after` (default 1 s) and, when given, `retry-after-ms` (which clients read first). */
  rateLimited(options: RateLimitOptions = {}): StatusBehavior {
    const { retryAfterSeconds = 1, retryAfterMs, headers, ...rest } = options;
    return status(429, {
      ...rest,
      headers: {
        'retry-after': String(retryAfterSeconds),
        ...(retryAfterMs === undefined ? {} : { 'retry-after-ms': String(retryAfterMs) }),
        ...headers,
      },
    });
  },
  /** 500 internal server error. */
  serverError: (options?: StatusFaultOptions): StatusBehavior => status(500, options),
  /** 503 "the server is overloaded or not ready yet". */
  unavailable: (options?: StatusFaultOptions): StatusBehavior => status(503, options),
  /** 529 Anthropic `overloaded_error`. */
  overloaded: (options?: StatusFaultOptions): StatusBehavior => status(529, options),
  /** 401 invalid API key. */
  unauthorized: (options?: StatusFaultOptions): StatusBehavior => status(401, options),
  /** 400 context length exceeded (OpenAI code `context_length_exceeded`, Anthropic "prompt is too long"). */
  contextLength: (options: StatusFaultOptions = {}): StatusBehavior =>
    status(400, {
      ...options,
      error: {
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
        message:
          "prompt is too long: 130000 tokens > 128000 maximum (this model's maximum context length is 128000 tokens)",
        ...options.error,
      },
    }),
  /** The connection is reset (TCP RST) before any header. */
  reset: (options: { readonly delayMs?: number } = {}): ResetBehavior => ({ kind: 'reset', ...options }),
  /** Sends `afterChunks` content chunks, then nothing until the client closes (or `maxMs`). */
  stall: (afterChunks: number, options: AnswerShape & { readonly maxMs?: number } = {}): StallBehavior => ({
    kind: 'stall',
    afterChunks,
    ...options,
  }),
  /** Sends `afterChunks` content chunks, then destroys the socket mid-body. */
  drop: (afterChunks: number, options: AnswerShape = {}): DropBehavior => ({
    kind: 'drop',
    afterChunks,
    ...options,
  }),
  /** Sends `afterChunks` content chunks, then the protocol's error frame in the HTTP 200 stream. */
  errorFrame: (
    afterChunks: number,
    options: AnswerShape & { readonly error?: Partial<ProviderError> } = {},
  ): ErrorFrameBehavior => ({ kind: 'error-frame', afterChunks, ...options }),
};
