/**
 * # agent-resilience/openai-agents
 *
 * The OpenAI Agents SDK (`@openai/agents`) made resilient by one wrap: a `ModelProvider` or a `Model` whose calls run
 * through agent-resilience policies, with fallback models, resilient streams and the SDK's replay-safety rule.
 * `@openai/agents-core` is an optional peer dependency of this entry only.
 */

export type { ModelKey } from '../shared/model-chain.js';
export {
  type FallbackModel,
  type NamedModel,
  OPENAI_AGENTS_DEFAULTS,
  type OpenAIAgentsResilienceOptions,
  type ResilientModelOptions,
  type ResilientProviderOptions,
} from './options.js';
export { isStatefulRequest } from './replay-safety.js';
export { type ResilientModel, withResilience } from './resilient-model.js';
export { type ResilientModelProvider, resilientModelProvider } from './resilient-provider.js';
