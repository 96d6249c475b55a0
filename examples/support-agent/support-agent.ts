import {
  CallRejectedError,
  type ChaosController,
  createAgent,
  createFeatureRegistry,
  createRetryBudget,
  ErrorAggregator,
  type ErrorCategory,
  NonRetryableError,
  watchErrorPatterns,
} from 'agent-resilience';
import type { RedisCoordinator } from 'agent-resilience/redis';
import { AnswerCache, type ReplySource } from './replies.js';
import type { ReplyContext, ReplyModel } from './reply-model.js';
import type { Article, SupportTools } from './tools.js';

/** The reply to a customer. */
export interface Reply {
  readonly text: string;
  readonly articles: number;
  /** Who answered: the primary model, the backup model, the answer cache, or the apology. */
  readonly source: ReplySource;
}

export interface SupportAgentDeps {
  readonly tools: SupportTools;
  /** How the agent asks its models (the provider clients, or a framework), given what both ways share. */
  readonly replies: (context: ReplyContext) => ReplyModel;
  /** Counts each request the agent sends to the primary model (to show load amplification). */
  readonly onPrimaryAttempt: () => void;
  /** Told of each retry of a model call and what set its wait. */
  readonly onPrimaryRetry: (source: 'backoff' | 'retry_after') => void;
  /** Told of notable events: error patterns detected and cleared. */
  readonly onNotice: (text: string) => void;
  /** Told the time from asking a model to its first content chunk (retries and fallbacks included), in ms. */
  readonly onFirstChunk: (ms: number) => void;
  /**
   * The fleet's coordinator, when the agent runs as one of several replicas: the primary provider's circuit
   * breaker and the retry budget are then shared by the fleet through Redis. Absent: they are this process's.
   */
  readonly shared?: RedisCoordinator | undefined;
  /** Chaos injection into the primary model's calls (a rehearsal: game days, scenario phases). Absent: none. */
  readonly chaos?: ChaosController | undefined;
}

/** The topic of a question without ids, so answers can be cached per topic. */
const topicOf = (question: string): string => question.toLowerCase().replace(/#?\d+/g, '#').trim();

/**
 * Builds the support agent and the resilience pieces every model call shares:
 * - a shared retry budget (20 % of calls + 1/s over 10 s) that caps retries during the outage (over the whole
 *   fleet with `deps.shared`);
 * - error patterns of the primary model, watched in-process;
 * - graceful degradation of the knowledge search, and retried tools;
 * - run-level retry: a run whose reply stream broke after its first chunk restarts once;
 * - the last good answer per topic, for when both models fail.
 * The model calls themselves are `deps.replies`' (see client-replies.ts and ai-sdk-replies.ts).
 */
export function createSupportAgent(deps: SupportAgentDeps) {
  const budget = createRetryBudget('llm-retries', {
    ratio: 0.2,
    minPerSecond: 1,
    windowMs: 10_000,
    shared: deps.shared,
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
  const answers = new AnswerCache(120_000, 500);
  const model = deps.replies({
    agent,
    budget,
    errors,
    answers,
    shared: deps.shared,
    chaos: deps.chaos,
    onPrimaryAttempt: deps.onPrimaryAttempt,
    onRetry: deps.onPrimaryRetry,
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
        const topic = topicOf(question);
        const asked = performance.now();
        const reply = await model.reply(run, { question, articles, topic }, () =>
          deps.onFirstChunk(performance.now() - asked),
        );
        if (reply.source === 'primary' || reply.source === 'backup') answers.remember(topic, reply.text);
        return { text: `${reply.text}${order}`, articles: articles.length, source: reply.source };
      },
      { threadId },
    );
  }

  return {
    answer,
    agent,
    /** Fallback events of the primary model's calls. */
    onFallback: model.onFallback,
    breaker: model.breaker,
    recovery: model.recovery,
    budget,
    features,
    dispose(): void {
      patterns.dispose();
      features.dispose();
      agent.dispose();
      model.dispose();
      budget.dispose();
    },
  };
}

export type SupportAgent = ReturnType<typeof createSupportAgent>;
