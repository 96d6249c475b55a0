import type { ProviderError } from '../behavior.js';

const OPENAI_ERRORS: Readonly<Record<number, ProviderError>> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request body.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { type: 'invalid_request_error', code: null, message: 'You are not allowed to use this model.' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests.' },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request. Sorry about that!',
  },
  503: { type: 'server_error', code: null, message: 'The server is overloaded or not ready yet.' },
};

/** The error OpenAI answers a status with. */
export function openaiDefaultError(status: number): ProviderError {
  return (
    OPENAI_ERRORS[status] ??
    (status >= 500
      ? { type: 'server_error', code: null, message: `The server answered ${status}.` }
      : { type: 'invalid_request_error', code: null, message: `The request was rejected (${status}).` })
  );
}

/** OpenAI's error body: `{ error: { message, type, param, code } }`. */
export function openaiErrorBody(error: ProviderError): unknown {
  return { error: { message: error.message, type: error.type, param: null, code: error.code ?? null } };
}

/** The error frame of a failed stream, as OpenAI sends it by default. */
export const OPENAI_FRAME_ERROR: ProviderError = OPENAI_ERRORS[500]!;
