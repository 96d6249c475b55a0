import type Anthropic from '@anthropic-ai/sdk';
import {
  CallRejectedError,
  createAgent,
  createCircuitBreaker,
  createFeatureRegistry,
  createPolicy,
  createRecoveryManager,
  createRetryBudget,
  ErrorAggregator,
  type ErrorCategory,
  NonRetryableError,
  watchErrorPatterns,
} from 'agent-resilience';
import type OpenAI from 'openai';
import type { Article, SupportTools } from './tools.js';

/** The reply to a customer. */
export interface Reply {
  readonly text: string;
  readonly articles: number;
}

export interface SupportAgentDeps {
  readonly openai: OpenAI;
  readonly anthropic: Anthropic;
  readonly tools: SupportTools;
  /** Health endpoint of the primary provider, polled by the recovery manager. */
  readonly primaryHealthUrl: string;
  /** Counts each request the agent sends to the primary model (to show load amplification). */
  readonly onPrimaryAttempt: () => void;
  /** Told of each retry of the primary model and what set its wait. */
  readonly onPrimaryRetry: (source: 'backoff' | 'retry_after') => void;
  /** Told of notable events: error patterns detected and cleared. */
  readonly onNotice: (text: string) => void;
}

export const PRIMARY_MODEL = 'gpt-4o-mini';
export const BACKUP_MODEL = 'claude-haiku-4-5';
export const APOLOGY = 'Sorry, our assistant is busy right now. A human agent will reply by email shortly.';

const SYSTEM = 'You are a concise, friendly customer-support agent for an online shop.';

/** The topic of a question without ids, so answers can be cached per topic. */
const topicOf = (question: string): string => question.toLowerCase().replace(/#?\d+/g, '#').trim();

/**
 * Builds the support agent and every resilience piece around its model calls:
 * - a circuit breaker for the primary provider (opens when over half the calls of 5 s fail, probes after 4 s);
 * - a recovery manager that follows that breaker and health-checks the provider, then ramps traffic back;
 * - a shared retry budget (20 % of calls + 1/s over 10 s) that caps retries during the outage;
 * - the primary model's policy: 3 retries honouring Retry-After, 5 s attempt timeout, and fallbacks to the
 *   backup model (another provider), then to the last good answer for the topic, then to an apology.
 */
export function createSupportAgent(deps: SupportAgentDeps) {
  const budget = createRetryBudget('llm-retries', { ratio: 0.2, minPerSecond: 1, windowMs: 10_000 });
  // Rate limits do not make the provider unhealthy: Retry-After already paces them.
  const failureCategories: ErrorCategory[] = ['overloaded', 'server_error', 'timeout', 'network', 'unknown'];
  const breaker = createCircuitBreaker('openai', {
    // Opens when more than half the calls of the last 5 s failed (at least 10 calls).
    breaker: { kind: 'sampling', threshold: 0.5, durationMs: 5_000, minimumRps: 2 },
    failureCategories,
    halfOpenAfterMs: 4_000,
  });
  const recovery = createRecoveryManager('openai', {
    circuitBreaker: breaker,
    failureCategories,
    healthCheck: async ({ signal }) => (await fetch(deps.primaryHealthUrl, { signal })).ok,
    healthCheckIntervalMs: 1_000,
    healthCheckTimeoutMs: 500,
    ramp: { kind: 'slow_start', windowMs: 8_000, aggression: 1, minWeightPercent: 10 },
  });
  // Error patterns of the primary model, watched in-process (a spike is also a metric and a span event).
  const errors = new ErrorAggregator({ windowMs: 10_000 });
  const pattern = (category: ErrorCategory, count: number) => ({
    category,
    threshold: { count },
    onDetected: () => deps.onNotice(`error pattern: ${category} spike (>= ${count} in 10 s)`),
    onCleared: () => deps.onNotice(`error pattern cleared: ${category}`),
  });
  const patterns = watchErrorPatterns(
    errors,
    [pattern('rate_limited', 8), pattern('server_error', 5), pattern('network', 3)],
    { name: 'openai.errors' },
  );
  // Graceful degradation: when knowledge search keeps failing, answer without articles for a while.
  const features = createFeatureRegistry();
  const knowledgeSearch = features.define('knowledge-search', {
    fallback: [] as Article[],
    errorThreshold: 3,
    windowMs: 15_000,
    cooldownMs: 10_000,
  });

  const agent = createAgent('support', {
    provider: 'openai',
    retry: { maxRetries: 1, initialDelayMs: 1_000, maxDelayMs: 2_000 },
    run: { totalTimeoutMs: 30_000, bulkhead: { maxConcurrent: 64, maxQueue: 128 } },
    tools: { retry: { maxRetries: 2, initialDelayMs: 50 }, attemptTimeoutMs: 800 },
  });
  const backup = createPolicy('model.claude-haiku-4-5', {
    retry: { maxRetries: 1, initialDelayMs: 200 },
    attemptTimeoutMs: 5_000,
  });
  const primary = createPolicy('model.gpt-4o-mini', {
    retry: {
      maxRetries: 3,
      initialDelayMs: 250,
      maxDelayMs: 4_000,
      budget,
      onRetry: info => deps.onPrimaryRetry(info.delaySource),
    },
    circuitBreaker: breaker,
    recovery,
    attemptTimeoutMs: 5_000,
    fallback: [
      {
        when: error => error.category !== 'validation' && error.category !== 'content_filtered',
        factory: async ({ properties, signal }) => {
          const message = await agent.model(
            BACKUP_MODEL,
            ({ signal: s }) =>
              deps.anthropic.messages.create(
                {
                  model: BACKUP_MODEL,
                  max_tokens: 256,
                  system: SYSTEM,
                  messages: [{ role: 'user', content: String(properties.question) }],
                },
                { signal: s },
              ),
            { provider: 'anthropic', policy: backup, signal },
          );
          const block = message.content[0];
          return block?.type === 'text' ? block.text : APOLOGY;
        },
      },
      { cache: { ttlMs: 120_000, maxEntries: 500 } },
      { value: APOLOGY },
    ],
  });

  /** Answers one customer question in a conversation thread. */
  async function answer(question: string, threadId: string): Promise<Reply> {
    return agent.run(
      async run => {
        const articles = await features.executeIfEnabled(knowledgeSearch, () =>
          run.tool('search_knowledge_base', ({ signal }) => deps.tools.searchKnowledgeBase(question, signal)),
        );
        const orderId = /#(\d+)/.exec(question)?.[1];
        let order = '';
        if (orderId !== undefined) {
          try {
            const found = await run.tool('lookup_order', ({ signal }) =>
              deps.tools.lookupOrder(orderId, signal),
            );
            order = ` Order ${found.id} is ${found.status}.`;
          } catch (error) {
            if (!(NonRetryableError.isInstance(error) || CallRejectedError.isInstance(error))) throw error;
            order = ` I could not find order ${orderId}.`;
          }
        }
        const reply = await run.model(
          PRIMARY_MODEL,
          async ({ signal }) => {
            deps.onPrimaryAttempt();
            const completion = await recorded(errors, () =>
              deps.openai.chat.completions.create(
                {
                  model: PRIMARY_MODEL,
                  messages: [
                    {
                      role: 'system',
                      content: `${SYSTEM} Relevant articles: ${articles.map(a => a.title).join(', ')}.`,
                    },
                    { role: 'user', content: question },
                  ],
                },
                { signal },
              ),
            );
            return completion.choices[0]?.message.content ?? '';
          },
          { provider: 'openai', policy: primary, cacheKey: topicOf(question), properties: { question } },
        );
        return { text: `${reply}${order}`, articles: articles.length };
      },
      { threadId },
    );
  }

  return {
    answer,
    agent,
    primary,
    breaker,
    recovery,
    budget,
    features,
    dispose(): void {
      patterns.dispose();
      features.dispose();
      agent.dispose();
      primary.dispose();
      backup.dispose();
      recovery.dispose();
      breaker.dispose();
      budget.dispose();
    },
  };
}

export type SupportAgent = ReturnType<typeof createSupportAgent>;

/** Runs `call`, recording its outcome in `errors` (an error is classified there). */
async function recorded<T>(errors: ErrorAggregator, call: () => Promise<T>): Promise<T> {
  try {
    const value = await call();
    errors.recordSuccess();
    return value;
  } catch (error) {
    errors.record(error);
    throw error;
  }
}
