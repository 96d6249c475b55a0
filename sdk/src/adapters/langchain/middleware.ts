import { type AgentMiddleware, createMiddleware } from 'langchain';
import type { ResiliencePolicy } from '../../pipeline/create-policy.js';
import type { METRIC_INNER_RETRIES } from '../../semconv.js';
import { AgentModelChains } from './agent-model-chains.js';
import { type ResilienceMiddlewareOptions, resolveOptions } from './options.js';
import { ToolCallPolicies } from './tool-calls.js';

/** The agent middleware of {@link resilienceMiddleware}, with `policies()` and `dispose()`. */
export type ResilienceMiddleware = AgentMiddleware & {
  /**
   * The model policies in use, by policy name: each chain's own (`<name>.model`, `<name>.model.2`...: its
   * `onFallback` events) and each model's (`<name>.model.<provider>.<model>`: its `circuitBreaker`, `recovery`),
   * including a policy of yours given as `policy` or returned by it. A snapshot of the chains built so far (one at
   * the first call of each agent model); tool policies are not listed. Empty once disposed.
   */
  policies(): ReadonlyMap<string, ResiliencePolicy<unknown>>;
  /** Disposes the policies the middleware created (they leave their registry); not yours. */
  dispose(): void;
};

/**
 * A LangChain v1 agent middleware (`createAgent({ middleware: [resilienceMiddleware(...)] })`) that runs every
 * model call through a policy per model with `fallbacks`, and every tool call through a tool policy.
 *
 * Model calls: `wrapModelCall` hands the rest of the agent a resilient model (`handler({ ...request, model })`)
 * whose primary is the request's model. Fallback happens inside that model rather than by calling `handler`
 * again with a backup model, because an agent streamed with `streamMode: 'messages'` (or `streamEvents`) sends
 * each token to the consumer through callbacks as the model produces it: a second `handler` call after a
 * partial answer shows that partial answer twice. Inside the model, a streamed call falls back only before its
 * first content chunk and its stream timeouts fire per attempt; after the first chunk, a failure ends the call
 * with a `StreamBrokenError` (the middleware cannot take back tokens already streamed).
 *
 * Tool calls: each registered tool gets its own policy (`<name>.tool.<tool>`); the default one does not retry
 * (tools may have side effects). Each attempt's signal reaches the tool. A final failure goes back to the model
 * as an error `ToolMessage`, as LangChain does without the middleware; interrupts (human-in-the-loop) and
 * argument errors pass through untouched.
 *
 * One retry layer: build the model with `maxRetries: 0` and drop `modelRetryMiddleware` / `toolRetryMiddleware`.
 * Retries underneath (a model's own `AsyncCaller`, a retry middleware around or inside this one) are reported
 * once through `diag` and counted in {@link METRIC_INNER_RETRIES}. Put this middleware last in the list, so the
 * model it protects is the one the agent calls.
 *
 * @example
 * const agent = createAgent({
 *   model: new ChatOpenAI({ model: 'gpt-4o-mini', maxRetries: 0 }),
 *   tools: [lookupOrder],
 *   middleware: [resilienceMiddleware({ fallbacks: [new ChatAnthropic({ model: 'claude-haiku-4-5', maxRetries: 0 })] })],
 * });
 */
export function resilienceMiddleware(options?: ResilienceMiddlewareOptions): ResilienceMiddleware {
  const resolved = resolveOptions('resilienceMiddleware', options, { tools: true });
  const models = new AgentModelChains(resolved);
  const tools =
    resolved.tools === null
      ? undefined
      : new ToolCallPolicies(`${resolved.name}.tool`, resolved.tools, resolved.registry);
  const middleware = createMiddleware({
    name: `agent-resilience:${resolved.name}`,
    wrapModelCall: (request, handler) => {
      const model = models.modelFor(request);
      return model === undefined ? handler(request) : handler({ ...request, model });
    },
    ...(tools === undefined ? {} : { wrapToolCall: (request, handler) => tools.run(request, handler) }),
  });
  return Object.assign(middleware, {
    policies: () => models.policies(),
    dispose(): void {
      models.dispose();
      tools?.dispose();
    },
  });
}
