import type { ModelRequest } from '@openai/agents-core';

/** A request as the runner builds it: with the SDK's internal flags (not part of the public `ModelRequest` type). */
type RequestWithInternals = ModelRequest & { readonly _internal?: Readonly<Record<string, unknown>> };

/**
 * Whether the Agents SDK runner will retry this request around the adapter: `modelSettings.retry` with
 * `maxRetries > 0` and a `policy` (retries are opt-in; without a policy the runner never retries). Each of its
 * retries would run the whole resilient chain again, so retries multiply.
 */
export function runnerRetries(request: ModelRequest): boolean {
  const retry = request.modelSettings?.retry;
  return retry !== undefined && typeof retry.policy === 'function' && (retry.maxRetries ?? 0) > 0;
}

/**
 * The request one attempt sends to a model: the attempt's own signal, and the runner's "retries are managed above
 * the client" flag, on which the OpenAI models (`OpenAIResponsesModel`, `OpenAIChatCompletionsModel`) call the
 * `openai` client with `maxRetries: 0`, as they do on the runner's own retries. Without it the client would retry
 * each attempt twice more (its default), under the policy.
 */
export function attemptRequest(request: ModelRequest, signal: AbortSignal): ModelRequest {
  const internals = (request as RequestWithInternals)._internal;
  return { ...request, signal, _internal: { ...internals, runnerManagedRetry: true } } as ModelRequest;
}
