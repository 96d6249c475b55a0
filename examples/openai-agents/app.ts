/**
 * A support agent written the way OpenAI Agents SDK apps are (an `Agent`, a `Runner`, the `OpenAIProvider` over an
 * `openai` client), made resilient by one wrap: `resilientModelProvider(...)` around the provider.
 */
import { Agent, OpenAIProvider, Runner } from '@openai/agents';
import type { RetryInfo } from 'agent-resilience';
import { type ResilientModelProvider, resilientModelProvider } from 'agent-resilience/openai-agents';
import type OpenAI from 'openai';

/** The app's agent, unchanged. */
export const supportAgent = new Agent({
  name: 'support',
  instructions: 'You answer customer-support questions in one or two sentences.',
  model: 'gpt-4o',
});

/** What the example prints as it happens. */
export interface AppEvents {
  onRetry?: (info: RetryInfo) => void;
}

/** The app's runner: before, `new Runner({ modelProvider: new OpenAIProvider({ openAIClient: openai }) })`. */
export function createRunner(
  openai: OpenAI,
  events: AppEvents = {},
): { runner: Runner; modelProvider: ResilientModelProvider } {
  const modelProvider = resilientModelProvider(new OpenAIProvider({ openAIClient: openai }), {
    fallbacks: ['gpt-4o-mini'],
    stream: { firstChunkTimeoutMs: 5_000, stallTimeoutMs: 1_000 },
    policy: {
      retry: { maxRetries: 2, initialDelayMs: 100, ...(events.onRetry ? { onRetry: events.onRetry } : {}) },
      circuitBreaker: { breaker: { kind: 'consecutive', threshold: 3 } },
    },
  });
  return { runner: new Runner({ modelProvider }), modelProvider };
}
