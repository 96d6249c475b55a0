import { OPENAI_FRAME_ERROR, openaiDefaultError, openaiErrorBody } from './openai-errors.js';
import type { Completion, ParsedRequest, ProviderProtocol, SseFrame } from './protocol.js';
import { dataFrame, field, lastContent } from './protocol.js';

const FINGERPRINT = 'fp_fake_provider';

function usageOf(completion: Completion) {
  const { inputTokens, outputTokens } = completion.usage;
  return {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  };
}

/**
 * OpenAI Chat Completions, `POST /v1/chat/completions`: a `chat.completion` JSON body, or `data:` chunks with
 * `choices[0].delta.content`, a final usage chunk (`choices: []`) when `stream_options.include_usage` is set, and
 * `data: [DONE]`. A mid-stream error is a `data:` object with an `error` field, which the `openai` client raises
 * as an `APIError` without a status.
 */
export const openaiChat: ProviderProtocol = {
  name: 'openai.chat',
  path: '/v1/chat/completions',
  requestIdHeader: 'x-request-id',
  parse(body: unknown): ParsedRequest | undefined {
    const messages = field(body, 'messages');
    if (!Array.isArray(messages)) return undefined;
    const model = field(body, 'model');
    return {
      model: typeof model === 'string' ? model.slice(0, 200) : '',
      stream: field(body, 'stream') === true,
      prompt: lastContent(messages),
      includeUsage: field(field(body, 'stream_options'), 'include_usage') === true,
    };
  },
  body: completion => ({
    id: `chatcmpl-${completion.id}`,
    object: 'chat.completion',
    created: completion.created,
    model: completion.model,
    system_fingerprint: FINGERPRINT,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: completion.text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: usageOf(completion),
  }),
  errorBody: error => openaiErrorBody(error),
  defaultError: openaiDefaultError,
  defaultFrameError: OPENAI_FRAME_ERROR,
  stream(completion, request) {
    const chunk = (delta: object, finishReason: string | null): SseFrame =>
      dataFrame({
        id: `chatcmpl-${completion.id}`,
        object: 'chat.completion.chunk',
        created: completion.created,
        model: completion.model,
        system_fingerprint: FINGERPRINT,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
        ...(request.includeUsage ? { usage: null } : {}),
      });
    return {
      preamble: () => [chunk({ role: 'assistant', content: '', refusal: null }, null)],
      delta: piece => [chunk({ content: piece }, null)],
      finish: () => [
        chunk({}, 'stop'),
        ...(request.includeUsage
          ? [
              dataFrame({
                id: `chatcmpl-${completion.id}`,
                object: 'chat.completion.chunk',
                created: completion.created,
                model: completion.model,
                system_fingerprint: FINGERPRINT,
                choices: [],
                usage: usageOf(completion),
              }),
            ]
          : []),
        { data: '[DONE]' },
      ],
      error: error => [dataFrame(openaiErrorBody(error))],
    };
  },
};
