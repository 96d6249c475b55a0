import type Anthropic from '@anthropic-ai/sdk';
import { createCircuitBreaker, createPolicy, createRecoveryManager } from 'agent-resilience';
import type OpenAI from 'openai';
import { type ReplyPart, readReply } from './replies.js';
import {
  APOLOGY,
  BACKUP_MODEL,
  breakerFleet,
  FAILURE_CATEGORIES,
  HEDGING,
  PRIMARY_MODEL,
  type ReplyContext,
  type ReplyModel,
  STREAM,
  systemPrompt,
} from './reply-model.js';

/** The provider clients and the primary's health endpoint. */
export interface ClientDeps {
  readonly openai: OpenAI;
  readonly anthropic: Anthropic;
  /** Health endpoint of the primary provider, polled by the recovery manager. */
  readonly primaryHealthUrl: string;
}

/**
 * Replies streamed through the `openai` and `@anthropic-ai/sdk` clients with `run.modelStream`:
 * - a circuit breaker for the primary provider (opens when over half the calls of 5 s fail, probes after 4 s;
 *   shared by the fleet when `context.shared` is given);
 * - a recovery manager that follows that breaker and health-checks the provider, then ramps traffic back;
 * - the primary model's policy: 3 retries honouring Retry-After (within the shared retry budget), 5 s attempt
 *   timeout, stream timeouts, hedging of slow first chunks ({@link HEDGING}), chaos injection when given, and
 *   fallbacks to the backup model's stream (another provider), then to the last good answer for the topic, then to
 *   an apology.
 * A stream that breaks before its first content chunk (none within 2 s, a gap over 3 s, an error frame, a dropped
 * connection) is retried or falls back unseen.
 */
export function createClientReplies(context: ReplyContext, deps: ClientDeps): ReplyModel {
  const { agent, budget, errors, answers } = context;
  const breaker = createCircuitBreaker('openai', {
    // Opens when more than half the calls of the last 5 s failed (at least 10 calls).
    breaker: { kind: 'sampling', threshold: 0.5, durationMs: 5_000, minimumRps: 2 },
    failureCategories: [...FAILURE_CATEGORIES],
    halfOpenAfterMs: 4_000,
    ...breakerFleet(context.shared),
  });
  const recovery = createRecoveryManager('openai', {
    circuitBreaker: breaker,
    failureCategories: [...FAILURE_CATEGORIES],
    healthCheck: async ({ signal }) => (await fetch(deps.primaryHealthUrl, { signal })).ok,
    healthCheckIntervalMs: 1_000,
    healthCheckTimeoutMs: 500,
    ramp: { kind: 'slow_start', windowMs: 8_000, aggression: 1, minWeightPercent: 10 },
  });
  // The backup streams too; it answers at most once more per call and never falls back further itself.
  const backup = createPolicy('model.claude-haiku-4-5', {
    retry: { maxRetries: 1, initialDelayMs: 200 },
    attemptTimeoutMs: 5_000,
    stream: STREAM,
  });
  /** Streams the backup model's answer (Anthropic messages events). */
  const backupStream = (question: string, system: string, signal: AbortSignal) =>
    agent.modelStream(
      BACKUP_MODEL,
      ({ signal: s }) =>
        deps.anthropic.messages.create(
          {
            model: BACKUP_MODEL,
            max_tokens: 256,
            system,
            messages: [{ role: 'user', content: question }],
            stream: true,
          },
          { signal: s },
        ),
      // The Anthropic client traces its own calls (an `anthropic.messages.create` CLIENT span with the stream's
      // usage): the agent adds only its resilience span, so the trace reports the usage once.
      { provider: 'anthropic', policy: backup, signal, genAiTelemetry: 'resilience-only' },
    );
  // Its fallbacks serve the backup's stream, a cached answer or the apology in place of the primary's stream.
  const primary = createPolicy<AsyncIterable<ReplyPart> | ReplyPart>('model.gpt-4o-mini', {
    retry: {
      maxRetries: 3,
      initialDelayMs: 250,
      maxDelayMs: 4_000,
      budget,
      onRetry: info => context.onRetry(info.delaySource),
    },
    circuitBreaker: breaker,
    recovery,
    attemptTimeoutMs: 5_000,
    stream: STREAM,
    hedging: HEDGING,
    ...(context.chaos === undefined ? {} : { chaos: context.chaos }),
    fallback: [
      {
        when: error => error.category !== 'validation' && error.category !== 'content_filtered',
        factory: ({ properties, signal }) =>
          backupStream(String(properties.question), String(properties.system), signal),
      },
      // The last good answer for the topic (remembered when a stream completes), then an apology.
      { factory: ({ properties }) => answers.recall(String(properties.topic)) },
      { value: APOLOGY },
    ],
  });

  return {
    breaker,
    recovery,
    onFallback: listener => primary.onFallback(listener),
    async reply(run, { question, articles, topic }, onFirstChunk) {
      const system = systemPrompt(articles);
      const stream = await run.modelStream<ReplyPart>(
        PRIMARY_MODEL,
        async ({ signal }) => {
          context.onPrimaryAttempt();
          try {
            const opened = await deps.openai.chat.completions.create(
              {
                model: PRIMARY_MODEL,
                messages: [
                  { role: 'system', content: system },
                  { role: 'user', content: question },
                ],
                stream: true,
                // The last chunk reports the usage: the served (and wasted) tokens are counted from it.
                stream_options: { include_usage: true },
              },
              { signal },
            );
            errors.recordSuccess();
            return opened;
          } catch (error) {
            errors.record(error);
            throw error;
          }
        },
        { provider: 'openai', policy: primary, properties: { question, system, topic } },
      );
      return readReply(stream, onFirstChunk);
    },
    dispose(): void {
      primary.dispose();
      backup.dispose();
      recovery.dispose();
      breaker.dispose();
    },
  };
}
