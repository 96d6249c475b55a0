/**
 * Stand-ins for the error classes of `openai` 7.x (`src/core/error.ts`), with the same class names, fields and
 * messages, so the classifier is tested against the shapes it meets without depending on the SDK.
 */

type Body = Record<string, unknown> | undefined;

export class OpenAIError extends Error {}

export class APIError extends OpenAIError {
  readonly status: number | undefined;
  readonly headers: Headers | undefined;
  readonly error: Body;
  readonly code: string | null | undefined;
  readonly param: string | null | undefined;
  readonly type: string | undefined;
  readonly requestID: string | null | undefined;

  constructor(
    status: number | undefined,
    error: Body,
    message: string | undefined,
    headers: Headers | undefined,
  ) {
    super(APIError.makeMessage(status, error, message));
    this.status = status;
    this.headers = headers;
    this.requestID = headers?.get('x-request-id');
    this.error = error;
    this.code = error?.code as string | undefined;
    this.param = error?.param as string | undefined;
    this.type = error?.type as string | undefined;
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

  /** Like the SDK's `APIError.generate`: the subclass for the status, from the response body `{ error: {...} }`. */
  static generate(status: number, body: { error?: Body } | undefined, headers: HeadersInit = {}): APIError {
    const h = new Headers({ 'x-request-id': 'req_123', ...Object.fromEntries(new Headers(headers)) });
    const error = body?.error ?? (body as Body);
    const Class =
      (
        {
          400: BadRequestError,
          401: AuthenticationError,
          403: PermissionDeniedError,
          404: NotFoundError,
          409: ConflictError,
          422: UnprocessableEntityError,
          429: RateLimitError,
        } as Record<number, typeof APIError>
      )[status] ?? (status >= 500 ? InternalServerError : APIError);
    return new Class(status, error, undefined, h);
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
export class PermissionDeniedError extends APIError {}
export class NotFoundError extends APIError {}
export class ConflictError extends APIError {}
export class UnprocessableEntityError extends APIError {}
export class RateLimitError extends APIError {}
export class InternalServerError extends APIError {}

export class ContentFilterFinishReasonError extends OpenAIError {
  constructor() {
    super('Could not parse response content as the request was rejected by the content filter');
  }
}
