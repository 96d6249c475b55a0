import { OPENAI_FRAME_ERROR, openaiDefaultError, openaiErrorBody } from './openai-errors.js';
import type { Completion, ParsedRequest, ProviderProtocol } from './protocol.js';
import { eventFrame, field, lastContent, textOf } from './protocol.js';

type ResponseStatus = 'in_progress' | 'completed';

function messageItem(completion: Completion, status: ResponseStatus, text?: string) {
  return {
    id: `msg_${completion.id}`,
    type: 'message',
    status,
    role: 'assistant',
    content: text === undefined ? [] : [outputText(text)],
  };
}

const outputText = (text: string) => ({ type: 'output_text', text, annotations: [], logprobs: [] });

function responseObject(completion: Completion, status: ResponseStatus, output: readonly unknown[]) {
  const { inputTokens, outputTokens } = completion.usage;
  return {
    id: `resp_${completion.id}`,
    object: 'response',
    created_at: completion.created,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model: completion.model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: false,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage:
      status === 'completed'
        ? {
            input_tokens: inputTokens,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: outputTokens,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: inputTokens + outputTokens,
          }
        : null,
    metadata: {},
  };
}

/**
 * OpenAI Responses, `POST /v1/responses` (what `@openai/agents` and `@ai-sdk/openai` call by default): a
 * `response` JSON body, or typed events (`event: response.created`, `response.in_progress`,
 * `response.output_item.added`, `response.content_part.added`, `response.output_text.delta`...,
 * `response.output_text.done`, `response.content_part.done`, `response.output_item.done`, `response.completed`
 * with usage), each with a `sequence_number`. A mid-stream error is `event: error` with
 * `{ type: 'error', code, message, param, sequence_number }`.
 */
export const openaiResponses: ProviderProtocol = {
  name: 'openai.responses',
  path: '/v1/responses',
  requestIdHeader: 'x-request-id',
  parse(body: unknown): ParsedRequest | undefined {
    const input = field(body, 'input');
    if (typeof input !== 'string' && !Array.isArray(input)) return undefined;
    const model = field(body, 'model');
    return {
      model: typeof model === 'string' ? model.slice(0, 200) : '',
      stream: field(body, 'stream') === true,
      prompt: typeof input === 'string' ? textOf(input) : lastContent(input),
      includeUsage: true,
    };
  },
  body: completion =>
    responseObject(completion, 'completed', [messageItem(completion, 'completed', completion.text)]),
  errorBody: error => openaiErrorBody(error),
  defaultError: openaiDefaultError,
  defaultFrameError: { ...OPENAI_FRAME_ERROR, code: 'server_error' },
  stream(completion) {
    let sequence = 0;
    const frame = (type: string, fields: object) =>
      eventFrame(type, { type, sequence_number: sequence++, ...fields });
    const item_id = `msg_${completion.id}`;
    const at = { item_id, output_index: 0, content_index: 0 };
    return {
      preamble: () => [
        frame('response.created', { response: responseObject(completion, 'in_progress', []) }),
        frame('response.in_progress', { response: responseObject(completion, 'in_progress', []) }),
        frame('response.output_item.added', {
          output_index: 0,
          item: messageItem(completion, 'in_progress'),
        }),
        frame('response.content_part.added', { ...at, part: outputText('') }),
      ],
      delta: delta => [frame('response.output_text.delta', { ...at, delta, logprobs: [] })],
      finish: () => {
        const item = messageItem(completion, 'completed', completion.text);
        return [
          frame('response.output_text.done', { ...at, text: completion.text, logprobs: [] }),
          frame('response.content_part.done', { ...at, part: outputText(completion.text) }),
          frame('response.output_item.done', { output_index: 0, item }),
          frame('response.completed', { response: responseObject(completion, 'completed', [item]) }),
        ];
      },
      error: error => [
        frame('error', { code: error.code ?? error.type, message: error.message, param: null }),
      ],
    };
  },
};
