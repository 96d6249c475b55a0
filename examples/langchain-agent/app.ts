/**
 * A support agent written the way LangChain v1 apps are (`createAgent` over a `ChatOpenAI` model, streamed with
 * `streamMode: 'messages'`), made resilient by one wrap: `resilienceMiddleware(...)` in its middleware list.
 */
import { ChatOpenAI } from '@langchain/openai';
import { PolicyRegistry, type RetryInfo } from 'agent-resilience';
import { resilienceMiddleware } from 'agent-resilience/langchain';
import { createAgent } from 'langchain';

/** What the example prints as it happens. */
export interface AppEvents {
  onRetry?: (info: RetryInfo) => void;
}

/** The app's chat model. `maxRetries: 0`: one retry layer, the policy's (LangChain would retry each request 6 times). */
const chatModel = (model: string, baseURL: string) =>
  new ChatOpenAI({ model, apiKey: 'sk-local-not-a-real-key', configuration: { baseURL }, maxRetries: 0 });

/** The app's agent; before, `middleware: []`. `registry` holds its policies and breakers, for the report. */
export function createSupportAgent(baseURL: string, events: AppEvents = {}) {
  const registry = new PolicyRegistry();
  const resilience = resilienceMiddleware({
    name: 'support',
    fallbacks: [chatModel('gpt-4o-mini', baseURL)],
    stream: { firstChunkTimeoutMs: 1_000, stallTimeoutMs: 500 },
    policy: {
      retry: { maxRetries: 2, initialDelayMs: 100, ...(events.onRetry ? { onRetry: events.onRetry } : {}) },
      circuitBreaker: { breaker: { kind: 'consecutive', threshold: 3 } },
    },
    registry,
  });
  const agent = createAgent({
    model: chatModel('gpt-4o', baseURL),
    tools: [],
    systemPrompt: 'You answer customer-support questions in one or two sentences.',
    middleware: [resilience],
  });
  return { agent, resilience, registry };
}
