/**
 * `agent-resilience/ai-sdk`: the Vercel AI SDK adapter. `withResilience(model, options)` or
 * `wrapLanguageModel({ model, middleware: resilienceMiddleware(options) })` makes every `generateText`,
 * `streamText`, `generateObject` and tool-loop model call resilient (retries, a breaker per model, model fallbacks,
 * resilient streams), reported as `resilience.*` telemetry under the AI SDK's own GenAI spans. Named exports only.
 */

export type { ModelKey } from '../shared/model-chain.js';
export {
  type ResilienceMiddleware,
  type ResilientLanguageModel,
  resilienceMiddleware,
  withResilience,
} from './middleware.js';
export type { AiSdkResilienceOptions } from './options.js';
