/**
 * Stand-ins for the Vercel AI SDK errors (`@ai-sdk/provider` `APICallError`, `ai` `RetryError`): same names
 * (`AI_APICallError`, `AI_RetryError`), `Symbol.for` markers, fields and default `isRetryable`.
 */

const marker = Symbol.for('vercel.ai.error');

export class AISDKError extends Error {
  readonly [marker] = true;
  override readonly cause?: unknown;

  constructor({ name, message, cause }: { name: string; message: string; cause?: unknown }) {
    super(message);
    this.name = name;
    this.cause = cause;
  }
}

const apiCallMarker = Symbol.for('vercel.ai.error.AI_APICallError');

export class APICallError extends AISDKError {
  readonly [apiCallMarker] = true;
  readonly url: string;
  readonly requestBodyValues: unknown;
  readonly statusCode?: number | undefined;
  readonly responseHeaders?: Record<string, string> | undefined;
  readonly responseBody?: string | undefined;
  readonly isRetryable: boolean;
  readonly data?: unknown;

  constructor({
    message,
    url = 'https://api.openai.com/v1/chat/completions',
    requestBodyValues = { model: 'gpt-4o' },
    statusCode,
    responseHeaders,
    responseBody,
    cause,
    isRetryable = statusCode != null &&
      (statusCode === 408 || statusCode === 409 || statusCode === 429 || statusCode >= 500),
    data,
  }: {
    message: string;
    url?: string;
    requestBodyValues?: unknown;
    statusCode?: number;
    responseHeaders?: Record<string, string>;
    responseBody?: string;
    cause?: unknown;
    isRetryable?: boolean;
    data?: unknown;
  }) {
    super({ name: 'AI_APICallError', message, cause });
    this.url = url;
    this.requestBodyValues = requestBodyValues;
    this.statusCode = statusCode;
    this.responseHeaders = responseHeaders;
    this.responseBody = responseBody;
    this.isRetryable = isRetryable;
    this.data = data;
  }
}

const retryMarker = Symbol.for('vercel.ai.error.AI_RetryError');

export class RetryError extends AISDKError {
  readonly [retryMarker] = true;
  readonly reason: 'maxRetriesExceeded' | 'errorNotRetryable' | 'abort';
  readonly lastError: unknown;
  readonly errors: unknown[];

  constructor({
    message,
    reason,
    errors,
  }: { message: string; reason: RetryError['reason']; errors: unknown[] }) {
    super({ name: 'AI_RetryError', message });
    this.reason = reason;
    this.errors = errors;
    this.lastError = errors[errors.length - 1];
  }
}
