import { createOpenAI } from '@ai-sdk/openai';
import { OpenTelemetry } from '@ai-sdk/otel';
import {
  createCircuitBreaker,
  createRecoveryManager,
  type FallbackEvent,
  type PolicyOptions,
  ResilienceError,
} from 'agent-resilience';
import { withResilience } from 'agent-resilience/ai-sdk';
import { streamText } from 'ai';
import type { ReadReply } from './replies.js';
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

/** Where the AI SDK's providers send their requests. */
export interface AiSdkDeps {
  /** The primary provider's OpenAI API. */
  readonly primaryBaseURL: string;
  /** The backup provider's OpenAI-compatible API (Anthropic serves one for OpenAI SDKs). */
  readonly backupBaseURL: string;
  /**
   * Health endpoint of the primary provider, polled by its recovery manager. Absent: the manager follows the
   * breaker and the calls' outcomes only.
   */
  readonly primaryHealthUrl?: string;
}

/** Name of the resilient model's policy chain: `<chain>` for the call, `<chain>.<provider>.<modelId>` per model. */
const CHAIN = 'ai-sdk';

/** A `fetch` for the primary provider that counts its requests and records their errors as error patterns. */
function observedFetch(context: ReplyContext): typeof fetch {
  return async (input, init) => {
    context.onPrimaryAttempt();
    try {
      const response = await fetch(input, init);
      if (response.ok) context.errors.recordSuccess();
      else
        context.errors.record(
          Object.assign(new Error(`HTTP ${response.status}`), {
            status: response.status,
            headers: response.headers,
          }),
        );
      return response;
    } catch (error) {
      context.errors.record(error);
      throw error;
    }
  };
}

/**
 * Replies streamed through the Vercel AI SDK (`streamText`, `@ai-sdk/openai`), its model made resilient by one
 * `withResilience` wrap: each model (the primary, then the backup through its OpenAI-compatible API) has its own
 * policy (3 retries honouring Retry-After within the shared retry budget, a 5 s attempt timeout, stream timeouts).
 * The primary's policy uses the primary provider's circuit breaker (opens when over half the calls of 5 s fail,
 * probes after 4 s) and the recovery manager that follows it and ramps traffic back, hedges slow first chunks and
 * gets the chaos injection, as the client mode does; the backup gets a breaker of its own. A stream that breaks before its first content chunk is retried or served by
 * the backup unseen. When both fail before any text, the last good answer for the topic serves, else an apology.
 * The AI SDK reports the GenAI spans (`@ai-sdk/otel`); the adapter adds only `resilience.*` spans under them.
 */
export function createAiSdkReplies(context: ReplyContext, deps: AiSdkDeps): ReplyModel {
  const apiKey = 'sk-demo-local-not-a-real-key';
  const primary = createOpenAI({ apiKey, baseURL: deps.primaryBaseURL, fetch: observedFetch(context) });
  const backup = createOpenAI({ apiKey, baseURL: deps.backupBaseURL, name: 'anthropic' });
  const breakerOptions = {
    // Opens when more than half the calls of the last 5 s failed (at least 10 calls).
    breaker: { kind: 'sampling', threshold: 0.5, durationMs: 5_000, minimumRps: 2 },
    failureCategories: [...FAILURE_CATEGORIES],
    halfOpenAfterMs: 4_000,
  } as const;
  const breaker = createCircuitBreaker('openai', { ...breakerOptions, ...breakerFleet(context.shared) });
  const healthUrl = deps.primaryHealthUrl;
  const recovery = createRecoveryManager('openai', {
    circuitBreaker: breaker,
    failureCategories: [...FAILURE_CATEGORIES],
    ...(healthUrl === undefined
      ? {}
      : {
          healthCheck: async ({ signal }) => (await fetch(healthUrl, { signal })).ok,
          healthCheckIntervalMs: 1_000,
          healthCheckTimeoutMs: 500,
        }),
    ramp: { kind: 'slow_start', windowMs: 8_000, aggression: 1, minWeightPercent: 10 },
  });
  const shared: PolicyOptions = {
    retry: {
      maxRetries: 3,
      initialDelayMs: 250,
      maxDelayMs: 4_000,
      budget: context.budget,
      onRetry: info => context.onRetry(info.delaySource),
    },
    attemptTimeoutMs: 5_000,
  };
  const model = withResilience(primary.chat(PRIMARY_MODEL), {
    name: CHAIN,
    fallbacks: [backup.chat(BACKUP_MODEL)],
    // Asked once per model: the primary joins its provider's breaker and recovery, the backup gets its own breaker.
    policy: ({ model: id }) =>
      id === PRIMARY_MODEL
        ? {
            ...shared,
            circuitBreaker: breaker,
            recovery,
            hedging: HEDGING,
            ...(context.chaos === undefined ? {} : { chaos: context.chaos }),
          }
        : { ...shared, circuitBreaker: breakerOptions },
    stream: STREAM,
  });
  // The chain's own policy serves the backup as a fallback of the primary's calls.
  const chain = model.policies().get(CHAIN);
  if (chain === undefined) throw new Error(`the AI SDK adapter has no policy "${CHAIN}"`);
  const telemetry = { integrations: [new OpenTelemetry()] };

  return {
    breaker,
    recovery,
    onFallback: (listener: (event: FallbackEvent) => void) => chain.onFallback(listener),
    async reply(run, { question, articles, topic }, onFirstChunk): Promise<ReadReply> {
      const result = streamText({
        model,
        system: systemPrompt(articles),
        prompt: question,
        maxRetries: 0, // one retry layer: the policies'
        abortSignal: run.signal,
        telemetry,
        onError: () => {}, // errors arrive as `error` parts of the stream, read below
      });
      let text = '';
      let started = false;
      let failure: unknown;
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') {
          if (!started) onFirstChunk();
          started = true;
          text += part.text;
        } else if (part.type === 'error') failure = part.error;
      }
      if (failure !== undefined) {
        // A break after the first chunk (a StreamBrokenError) or a cancellation ends the run; the run restarts.
        if (started || !ResilienceError.isInstance(failure) || failure.reason === 'cancelled') throw failure;
        // Both models failed before any text: the last good answer for the topic, else an apology.
        try {
          return { text: context.answers.recall(topic).cached, source: 'cached' };
        } catch {
          return { text: APOLOGY, source: 'apology' };
        }
      }
      const { modelId } = await result.response;
      return { text, source: modelId === PRIMARY_MODEL ? 'primary' : 'backup' };
    },
    dispose(): void {
      model.dispose();
      recovery.dispose();
      breaker.dispose();
    },
  };
}
