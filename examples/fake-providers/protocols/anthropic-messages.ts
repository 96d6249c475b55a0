import type { ProviderError } from '../behavior.js';
import type { Completion, ParsedRequest, ProviderProtocol } from './protocol.js';
import { eventFrame, field, lastContent } from './protocol.js';

const ANTHROPIC_ERRORS: Readonly<Record<number, ProviderError>> = {
  400: { type: 'invalid_request_error', message: 'Invalid request body.' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  403: {
    type: 'permission_error',
    message: 'Your API key does not have permission to use the specified resource.',
  },
  404: { type: 'not_found_error', message: 'The requested resource could not be found.' },
  413: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
  429: { type: 'rate_limit_error', message: 'Number of requests has exceeded your per-minute rate limit.' },
  500: { type: 'api_error', message: 'Internal server error' },
  504: { type: 'timeout_error', message: 'Request timed out' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

function message(completion: Completion, text: string | undefined, outputTokens: number) {
  return {
    id: `msg_${completion.id}`,
    type: 'message',
    role: 'assistant',
    model: completion.model,
    content: text === undefined ? [] : [{ type: 'text', text }],
    stop_reason: text === undefined ? null : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: completion.usage.inputTokens, output_tokens: outputTokens },
  };
}

const errorBody = (error: ProviderError) => ({
  type: 'error',
  error: { type: error.type, message: error.message },
});

/**
 * Anthropic Messages, `POST /v1/messages`: a `message` JSON body, or named events (`message_start`,
 * `content_block_start`, `ping`, `content_block_delta` with `text_delta`..., `content_block_stop`, `message_delta`
 * with the stop reason and usage, `message_stop`). A mid-stream error is `event: error` with
 * `{ type: 'error', error: { type: 'overloaded_error', message } }`, which `@anthropic-ai/sdk` raises as an
 * `APIError` without a status. (The client skips frames without an `event:` line.)
 */
export const anthropicMessages: ProviderProtocol = {
  name: 'anthropic.messages',
  path: '/v1/messages',
  requestIdHeader: 'request-id',
  parse(body: unknown): ParsedRequest | undefined {
    const messages = field(body, 'messages');
    if (!Array.isArray(messages)) return undefined;
    const model = field(body, 'model');
    return {
      model: typeof model === 'string' ? model.slice(0, 200) : '',
      stream: field(body, 'stream') === true,
      prompt: lastContent(messages),
      includeUsage: true,
    };
  },
  body: completion => message(completion, completion.text, completion.usage.outputTokens),
  errorBody: (error, requestId) => ({ ...errorBody(error), request_id: requestId }),
  defaultError: status =>
    ANTHROPIC_ERRORS[status] ??
    (status >= 500
      ? { type: 'api_error', message: `The server answered ${status}.` }
      : { type: 'invalid_request_error', message: `The request was rejected (${status}).` }),
  defaultFrameError: ANTHROPIC_ERRORS[529]!,
  stream(completion) {
    return {
      preamble: () => [
        eventFrame('message_start', { type: 'message_start', message: message(completion, undefined, 1) }),
        eventFrame('content_block_start', {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'text', text: '' },
        }),
        eventFrame('ping', { type: 'ping' }),
      ],
      delta: text => [
        eventFrame('content_block_delta', {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'text_delta', text },
        }),
      ],
      finish: () => [
        eventFrame('content_block_stop', { type: 'content_block_stop', index: 0 }),
        eventFrame('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: { input_tokens: completion.usage.inputTokens, output_tokens: completion.usage.outputTokens },
        }),
        eventFrame('message_stop', { type: 'message_stop' }),
      ],
      error: error => [eventFrame('error', errorBody(error))],
    };
  },
};
