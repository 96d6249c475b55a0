/**
 * Stand-ins for the error classes of `@anthropic-ai/sdk` 1.x (`src/core/error.ts`): same class names, fields
 * (`error` is the whole body `{ type: 'error', error: { type, message } }`, `type` its inner type) and messages.
 */

type Body = Record<string, unknown> | undefined;

export class AnthropicError extends Error {}

export class APIError extends AnthropicError {
  readonly status: number | undefined;
  readonly headers: Headers | undefined;
  readonly error: Body;
  readonly requestID: string | null | undefined;
  readonly type: string | null;

  constructor(
    status: number | undefined,
    error: Body,
    message: string | undefined,
    headers: Headers | undefined,
    type?: string | null,
  ) {
    super(APIError.makeMessage(status, error, message));
    this.status = status;
    this.headers = headers;
    this.requestID = headers?.get('request-id');
    this.error = error;
    this.type = type ?? null;
  }

  private static makeMessage(status: number | undefined, error: Body, message: string | undefined): string {
    const msg = error?.message
      ? typeof error.message === 'string'
        ? error.message
        : JSON.stringify(error.message)
      : error
        ? JSON.stringify(error)
        : message;
    if (status && msg) return `${status} ${msg}`;
    if (status) return `${status} status code (no body)`;
    return msg || '(no status code or body)';
  }

  /** Like the SDK's `APIError.generate` (1.x status map): the subclass for the status, from the body. */
  static generate(status: number, errorType: string, message: string, headers: HeadersInit = {}): APIError {
    const h = new Headers({ 'request-id': 'req_011', ...Object.fromEntries(new Headers(headers)) });
    const body = { type: 'error', error: { type: errorType, message }, request_id: 'req_011' };
    const Class = STATUS_CLASSES[status] ?? (status >= 500 ? InternalServerError : APIError);
    return new Class(status, body, undefined, h, errorType);
  }
}

export class APIUserAbortError extends APIError {
  constructor({ message }: { message?: string } = {}) {
    super(undefined, undefined, message || 'Request was aborted.', undefined);
  }
}

export class APIConnectionError extends APIError {
  constructor({ message, cause }: { message?: string | undefined; cause?: Error | undefined }) {
    super(undefined, undefined, message || 'Connection error.', undefined);
    if (cause) this.cause = cause;
  }
}

export class APIConnectionTimeoutError extends APIConnectionError {
  constructor({ message }: { message?: string } = {}) {
    super({ message: message ?? 'Request timed out.' });
  }
}

export class BadRequestError extends APIError {}
export class AuthenticationError extends APIError {}
export class PaymentRequiredError extends APIError {}
export class PermissionDeniedError extends APIError {}
export class NotFoundError extends APIError {}
export class RequestTimeoutError extends APIError {}
export class ConflictError extends APIError {}
export class ContentTooLargeError extends APIError {}
export class UnprocessableEntityError extends APIError {}
export class RateLimitError extends APIError {}
export class RequestHeaderFieldsTooLargeError extends APIError {}
export class ClientClosedRequestError extends APIError {}
export class InternalServerError extends APIError {}
export class NotImplementedError extends InternalServerError {}
export class ServiceUnavailableError extends InternalServerError {}
export class GatewayTimeoutError extends InternalServerError {}
export class OverloadedError extends InternalServerError {}

const STATUS_CLASSES: Record<number, typeof APIError> = {
  400: BadRequestError,
  401: AuthenticationError,
  402: PaymentRequiredError,
  403: PermissionDeniedError,
  404: NotFoundError,
  408: RequestTimeoutError,
  409: ConflictError,
  413: ContentTooLargeError,
  422: UnprocessableEntityError,
  429: RateLimitError,
  431: RequestHeaderFieldsTooLargeError,
  499: ClientClosedRequestError,
  501: NotImplementedError,
  503: ServiceUnavailableError,
  504: GatewayTimeoutError,
  529: OverloadedError,
};
