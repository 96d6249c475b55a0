/**
 * The local fault-injecting LLM provider (OpenAI chat completions and responses, Anthropic messages; JSON and SSE)
 * for the SDK's stream and adapter tests. It lives with the examples, which the demo shares; see
 * examples/fake-providers/index.ts for the API.
 */
export * from '../../../examples/fake-providers/index.js';
