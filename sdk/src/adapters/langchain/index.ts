/**
 * `agent-resilience/langchain`: the LangChain v1 adapter. `resilienceMiddleware(options)` in
 * `createAgent({ middleware })` runs every model call through a policy per model with fallback models and resilient
 * streams, and every tool call through a tool policy; `withResilience(model, options)` does the same for a chat
 * model used on its own (`invoke`, `stream`, `streamEvents`, `bindTools`). Only `resilience.*` telemetry: LangChain
 * traces through its callbacks. `langchain` and `@langchain/core` are optional peers of this entry only. Named
 * exports only.
 */

export type { ModelKey } from '../shared/model-chain.js';
export { type ResilienceMiddleware, resilienceMiddleware } from './middleware.js';
export type { AdapterPolicyOptions, ResilienceMiddlewareOptions, ResilientModelOptions } from './options.js';
export type { ResilientChatModel } from './resilient-chat-model.js';
export { withResilience } from './with-resilience.js';
