import type {
  Agent,
  AgentRun,
  ChaosController,
  CircuitBreaker,
  ErrorAggregator,
  ErrorCategory,
  FallbackEvent,
  RecoveryManager,
  RetryBudget,
} from 'agent-resilience';
import type { RedisCoordinator } from 'agent-resilience/redis';
import type { AnswerCache, ReadReply } from './replies.js';
import type { Article } from './tools.js';

export const PRIMARY_MODEL = 'gpt-4o-mini';
export const BACKUP_MODEL = 'claude-haiku-4-5';
export const APOLOGY = 'Sorry, our assistant is busy right now. A human agent will reply by email shortly.';

/** The longest wait for a model's first content chunk, and for each next chunk, before the stream is given up. */
export const STREAM = { firstChunkTimeoutMs: 2_000, stallTimeoutMs: 3_000 } as const;

/** Failures that make the primary provider unhealthy (rate limits do not: Retry-After already paces them). */
export const FAILURE_CATEGORIES: readonly ErrorCategory[] = [
  'overloaded',
  'server_error',
  'timeout',
  'network',
  'unknown',
];

/**
 * Hedging of the primary model's calls: an attempt without its first content chunk after 700 ms (a healthy one
 * has it within 300 ms) gets a second request, and the first to stream wins; the loser is aborted. Chat
 * completions are replay-safe (no side effects), so every call may be hedged. Hedges draw from the retry budget.
 */
export const HEDGING = { delayMs: 700, replaySafe: true } as const;

/** The system prompt, with the titles of the articles found. */
export const systemPrompt = (articles: readonly Article[]): string =>
  `You are a concise, friendly customer-support agent for an online shop. Relevant articles: ${articles.map(a => a.title).join(', ')}.`;

/**
 * The options that share the primary provider's circuit breaker with the fleet (none without a coordinator): one
 * replica at a time probes, holding the probe for at most the attempt timeout.
 */
export const breakerFleet = (shared: RedisCoordinator | undefined) =>
  shared === undefined ? {} : { shared, probeTimeoutMs: 5_000 };

/** One customer question to answer. */
export interface ReplyRequest {
  readonly question: string;
  readonly articles: readonly Article[];
  /** The question without ids: answers are cached per topic. */
  readonly topic: string;
}

/** What both ways of calling the models share. */
export interface ReplyContext {
  readonly agent: Agent;
  /** The retry budget every model retry draws from. */
  readonly budget: RetryBudget;
  /** Error patterns of the primary model. */
  readonly errors: ErrorAggregator;
  /** The last good answers, served when both models fail. */
  readonly answers: AnswerCache;
  /** The fleet's coordinator: the primary provider's breaker is shared through it ({@link breakerFleet}). */
  readonly shared?: RedisCoordinator | undefined;
  /** Chaos injection into the primary model's calls, if any. */
  readonly chaos?: ChaosController | undefined;
  /** Counts each request sent to the primary model. */
  readonly onPrimaryAttempt: () => void;
  /** Told of each retry of a model call and what set its wait. */
  readonly onRetry: (source: 'backoff' | 'retry_after') => void;
}

/**
 * How the support agent asks its models for a reply: through the provider clients and agent-resilience's own
 * helpers, or through a framework made resilient by an adapter.
 */
export interface ReplyModel {
  /**
   * Streams the reply within `run`, telling `onFirstChunk` when a model's first content chunk arrives; resolves
   * with the reply read to its end (a model's, a cached answer or the apology). A stream that breaks after its
   * first chunk rejects (the run restarts rather than show the customer the same words twice).
   */
  reply(run: AgentRun, request: ReplyRequest, onFirstChunk: () => void): Promise<ReadReply>;
  /** The primary model's circuit breaker. */
  readonly breaker: CircuitBreaker;
  /** The recovery manager following that breaker, if any. */
  readonly recovery: RecoveryManager | undefined;
  /** Fallback events of the primary model's calls. */
  onFallback(listener: (event: FallbackEvent) => void): { dispose(): void };
  dispose(): void;
}
