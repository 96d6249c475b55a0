import type { LanguageModelV4CallOptions, LanguageModelV4Prompt } from '@ai-sdk/provider';
import { trace } from '@opentelemetry/api';
import type { InnerRetryReporter } from '../shared/inner-retries.js';

/** How long after a thrown failure the same call options count as its retry: the AI SDK waits at most 60 s. */
const RETRY_WINDOW_MS = 70_000;
/** How long after a stream ended with an error part an equal prompt counts as its retry (`streamRetries` is at once). */
const STREAM_RETRY_WINDOW_MS = 10_000;
/** Failures remembered at once (the oldest is forgotten first). */
const MAX_REMEMBERED = 16;

/** How a call failed: it threw, or its stream ended with an `error` part after the commit. */
export type FailureKind = 'thrown' | 'stream';

interface Failure {
  readonly prompt: LanguageModelV4Prompt;
  readonly signal: AbortSignal | undefined;
  readonly kind: FailureKind;
  readonly until: number;
  json?: string | undefined;
}

/** The prompt as JSON (linear in its size), or undefined when it cannot be serialised. */
function json(prompt: LanguageModelV4Prompt): string | undefined {
  try {
    return JSON.stringify(prompt);
  } catch {
    return undefined;
  }
}

/**
 * Notices the AI SDK retrying around the middleware: a new model call for a logical request whose call just failed.
 * - A thrown failure is retried with the very same prompt (the same array): `generateText`/`generateObject`'s
 *   `maxRetries` keeps the step's prompt, and a retrying middleware or wrapper outside this one repeats the same
 *   call options. A new `generateText` call converts its prompt anew, so it never matches.
 * - A stream that ended with an `error` part is retried by `streamText`'s `streamRetries` (or `onError` returning
 *   `{ retry: true }`) at once, with the prompt rebuilt: an equal prompt with the same abort signal within 10 s
 *   matches. (An application that streams the same prompt again within 10 s, without a signal, matches too: its
 *   retry multiplies with the policy's all the same.)
 * Each sighting is reported (a counter, a span event, and one `diag` warning per policy) through the
 * {@link InnerRetryReporter}.
 *
 * Our own final errors are `ResilienceError`s, which the AI SDK's `maxRetries` never retries (it retries only an
 * `APICallError` marked retryable), so with the defaults the SDK adds no attempts; stream retries and outer
 * wrappers are what is left to catch.
 *
 * Cost: nothing while no call has failed recently; after a stream failure, one JSON serialisation per call with a
 * prompt of the same length, until the failure is matched or forgotten.
 */
export class RetryWatch {
  private failures: Failure[] = [];

  constructor(private readonly reporter: InnerRetryReporter) {}

  /** Remembers a failed call (not a cancelled one: the SDK does not retry those). */
  failed(params: LanguageModelV4CallOptions, kind: FailureKind): void {
    if (params.abortSignal?.aborted === true) return;
    const window = kind === 'thrown' ? RETRY_WINDOW_MS : STREAM_RETRY_WINDOW_MS;
    this.failures.push({
      prompt: params.prompt,
      signal: params.abortSignal,
      kind,
      until: Date.now() + window,
    });
    if (this.failures.length > MAX_REMEMBERED) this.failures.shift();
  }

  /** Called as a call starts: reports it if it repeats a remembered failure. */
  check(params: LanguageModelV4CallOptions): void {
    if (this.failures.length === 0) return;
    const now = Date.now();
    this.failures = this.failures.filter(failure => failure.until > now);
    const index = this.failures.findIndex(failure => repeats(failure, params));
    if (index === -1) return;
    this.failures.splice(index, 1);
    this.reporter.report(trace.getActiveSpan());
  }
}

function repeats(failure: Failure, params: LanguageModelV4CallOptions): boolean {
  const prompt = params.prompt;
  if (failure.prompt === prompt) return true;
  if (failure.kind === 'thrown' || failure.signal !== params.abortSignal) return false;
  if (!Array.isArray(prompt) || failure.prompt.length !== prompt.length) return false;
  failure.json ??= json(failure.prompt);
  return failure.json !== undefined && failure.json === json(prompt);
}
