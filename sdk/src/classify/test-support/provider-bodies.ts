/** Error bodies as the OpenAI API returns them (`{ error: <this> }`), shared by the provider tests. */

export const RATE_LIMIT_BODY = {
  message:
    'Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000. Please try again in 2.002s. Visit https://platform.openai.com/account/rate-limits to learn more.',
  type: 'tokens',
  param: null,
  code: 'rate_limit_exceeded',
};
export const QUOTA_BODY = {
  message:
    'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
  type: 'insufficient_quota',
  param: null,
  code: 'insufficient_quota',
};
export const CONTEXT_BODY = {
  message:
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130412 tokens. Please reduce the length of the messages.",
  type: 'invalid_request_error',
  param: 'messages',
  code: 'context_length_exceeded',
};
export const AZURE_FILTER_BODY = {
  message:
    "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
  type: null,
  param: 'prompt',
  code: 'content_filter',
  status: 400,
};
