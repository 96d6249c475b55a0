/** A stand-in for axios' `AxiosError`: `name`, `code`, and `response` with `status`, `headers` and `data`. */
export class AxiosError extends Error {
  readonly code: string | undefined;
  readonly response:
    | { status: number; statusText: string; headers: Record<string, string>; data: unknown }
    | undefined;
  readonly isAxiosError = true;

  constructor(message: string, code?: string, response?: AxiosError['response']) {
    super(message);
    this.name = 'AxiosError';
    this.code = code;
    this.response = response;
  }

  /** What axios throws for a bad status (`validateStatus`). */
  static fromResponse(status: number, headers: Record<string, string> = {}, data: unknown = ''): AxiosError {
    return new AxiosError(
      `Request failed with status code ${status}`,
      status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST',
      { status, statusText: '', headers, data },
    );
  }
}
